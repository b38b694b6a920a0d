/**
 * The worker thread that reads an XLSX roster's table (shared/roster/xlsx-thread.ts starts it):
 * the workbook's bytes in `workerData`, the table back a batch of rows per `next`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { readXlsxTable } from './roster-import'
import {
  XLSX_ROWS_PER_MESSAGE,
  type FromXlsxWorker,
  type ToXlsxWorker,
  type XlsxWorkerError,
} from './xlsx-thread'
import { errorCode } from '../error-code'

function errorOf(err: unknown): XlsxWorkerError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  const code = errorCode(err)
  const params: unknown = Reflect.get(err, 'params')
  return {
    name: err.name,
    message: err.message,
    ...(code !== null && { code }),
    ...(typeof params === 'object' && params !== null && { params: { ...params } }),
  }
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const send = (m: FromXlsxWorker) => port.postMessage(m)
  let table: string[][]
  try {
    const bytes = workerData as Uint8Array
    table = await readXlsxTable(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch (err) {
    send({ type: 'failed', error: errorOf(err) })
    return
  }
  let at = 0
  const sendBatch = () => {
    if (at >= table.length) {
      send({ type: 'done' })
      port.close()
      return
    }
    send({ type: 'rows', rows: table.slice(at, at + XLSX_ROWS_PER_MESSAGE) })
    at += XLSX_ROWS_PER_MESSAGE
  }
  port.on('message', (m: ToXlsxWorker) => {
    if (m.type === 'next') sendBatch()
  })
  sendBatch()
}

if (parentPort !== null) void main(parentPort)
