/**
 * Writes the greeting chimes in resources/sounds/ (run: `npx tsx scripts/make-chimes.ts`).
 * Generated rather than downloaded so the sounds carry no licence question and the
 * kiosk needs no network. Short, soft bell tones: audible across a booth, never shrill.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

const SAMPLE_RATE = 22_050

interface Note {
  /** Hz */
  freq: number
  /** Seconds from the start of the chime. */
  at: number
}

/** A bell-like tone: fundamental plus two soft partials, quick attack, exponential decay. */
function render(notes: readonly Note[], seconds: number): Int16Array {
  const samples = new Float64Array(Math.round(seconds * SAMPLE_RATE))
  for (const note of notes) {
    const start = Math.round(note.at * SAMPLE_RATE)
    for (let i = start; i < samples.length; i++) {
      const t = (i - start) / SAMPLE_RATE
      const attack = Math.min(1, t / 0.008)
      const envelope = attack * Math.exp(-t * 5)
      const tone =
        Math.sin(2 * Math.PI * note.freq * t) +
        0.35 * Math.sin(2 * Math.PI * note.freq * 2 * t) +
        0.12 * Math.sin(2 * Math.PI * note.freq * 3 * t)
      samples[i] = (samples[i] ?? 0) + envelope * tone
    }
  }
  // Fade the tail so the file does not end with a click.
  const fade = Math.round(0.05 * SAMPLE_RATE)
  for (let i = 0; i < fade; i++) {
    const index = samples.length - 1 - i
    samples[index] = (samples[index] ?? 0) * (i / fade)
  }
  const peak = samples.reduce((max, v) => Math.max(max, Math.abs(v)), 0) || 1
  return Int16Array.from(samples, (v) => Math.round((v / peak) * 0.6 * 32_767))
}

function wav(pcm: Int16Array): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(SAMPLE_RATE, 24)
  header.writeUInt32LE(SAMPLE_RATE * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

const C5 = 523.25
const E5 = 659.25
const G5 = 783.99
const C6 = 1046.5

const chimes: Record<string, { notes: Note[]; seconds: number }> = {
  // Rising two-note: "welcome, new here".
  'first-visit': {
    notes: [
      { freq: E5, at: 0 },
      { freq: C6, at: 0.14 },
    ],
    seconds: 0.9,
  },
  // A single warm note: "good to see you again".
  'welcome-back': { notes: [{ freq: G5, at: 0 }], seconds: 0.7 },
  // Three-note arpeggio for a registered guest checking in.
  named: {
    notes: [
      { freq: C5, at: 0 },
      { freq: E5, at: 0.11 },
      { freq: G5, at: 0.22 },
    ],
    seconds: 1,
  },
}

const dir = resolve(import.meta.dirname, '../resources/sounds')
for (const [name, chime] of Object.entries(chimes)) {
  const file = resolve(dir, `${name}.wav`)
  writeFileSync(file, wav(render(chime.notes, chime.seconds)))
  console.log(`wrote ${file}`)
}
