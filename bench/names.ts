/** Chinese-like guest names for the benches' rosters (attendance-child.ts, roster-import.ts). */
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const GIVEN = '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玲'

/** A Chinese-like guest name: 20 surnames, one or two given characters of 30. */
export function guestName(i: number): string {
  const h = Math.imul(i + 1, 2654435761) >>> 0
  const first = GIVEN[Math.floor(h / 20) % 30]!
  const second = h % 4 === 0 ? '' : GIVEN[Math.floor(h / 600) % 30]!
  return `${SURNAMES[h % 20]!}${first}${second}`
}
