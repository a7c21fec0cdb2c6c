import type { Topic } from '../topic/template.js'

interface Memo {
  readonly values: readonly string[]
  readonly qos: 0 | 1 | 2
  readonly retain: boolean
  readonly name: string
}

/**
 * The last checked topic name of each topic definition. Building a name checks every parameter, and the
 * publish checks then scan the whole name (and the broker profile checks it again); an app that publishes
 * to the same topic with the same parameters repeatedly pays that once. A name is remembered only after
 * it passed every check, only for string parameters (compared by value, so a params object mutated
 * between publishes is read afresh), and only for the QoS and retain flag it was checked with.
 */
export class PublishNames {
  private readonly memos = new WeakMap<Topic<string, unknown>, Memo>()

  /** The remembered name for these params, QoS and retain flag, or undefined to build and check it. */
  lookup(topic: Topic<string, unknown>, params: object, qos: 0 | 1 | 2, retain: boolean): string | undefined {
    const memo = this.memos.get(topic)
    if (memo === undefined || memo.qos !== qos || memo.retain !== retain) return undefined
    const names = topic.params
    const values = memo.values
    for (let i = 0; i < names.length; i++) {
      if ((params as Record<string, unknown>)[names[i]!] !== values[i]) return undefined
    }
    return memo.name
  }

  /** Remembers a name that passed every publish check. */
  remember(topic: Topic<string, unknown>, params: object, qos: 0 | 1 | 2, retain: boolean, name: string): void {
    const names = topic.params
    const values: string[] = []
    for (const key of names) {
      const value = (params as Record<string, unknown>)[key]
      if (typeof value !== 'string') return
      values.push(value)
    }
    this.memos.set(topic, { values, qos, retain, name })
  }
}
