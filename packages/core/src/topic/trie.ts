const WILDCARD = /[+#]/

interface TrieNode<V> {
  children?: Map<string, TrieNode<V>>
  values?: Set<V>
}

/**
 * Topic filters in a trie keyed by level, so matching a topic costs the number of its levels times
 * the wildcard branches, not the number of filters.
 *
 * Follows MQTT matching rules: `+` matches one level, a trailing `#` matches the parent level and
 * everything below, and wildcards in the first level never match topics starting with `$`.
 */
export class TopicTrie<V> {
  private readonly root: TrieNode<V> = {}
  private count = 0

  /** Number of (filter, value) entries. */
  get size(): number {
    return this.count
  }

  add(filter: string, value: V): void {
    let node = this.root
    for (const level of filter.split('/')) {
      node.children ??= new Map()
      let next = node.children.get(level)
      if (!next) node.children.set(level, (next = {}))
      node = next
    }
    node.values ??= new Set()
    if (!node.values.has(value)) {
      node.values.add(value)
      this.count++
    }
  }

  /** Removes one entry; prunes empty branches so long-lived clients with churn don't leak nodes. */
  delete(filter: string, value: V): boolean {
    const path: Array<[TrieNode<V>, string]> = []
    let node: TrieNode<V> | undefined = this.root
    for (const level of filter.split('/')) {
      const next: TrieNode<V> | undefined = node.children?.get(level)
      if (!next) return false
      path.push([node, level])
      node = next
    }
    if (!node.values?.delete(value)) return false
    this.count--
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i]!
      const child = parent.children!.get(level)!
      if ((child.values && child.values.size > 0) || (child.children && child.children.size > 0)) break
      parent.children!.delete(level)
    }
    return true
  }

  /**
   * Calls `visit` once per value whose filter matches the topic name.
   *
   * A name is never a filter: one containing `+` or `#` (which a conforming broker never sends, MQTT
   * §4.7.1) matches nothing, so a literal `+` level cannot reach both the `+` and the exact branch, nor
   * a `#` level fill a parameter. Callers refuse such names first with `incomingTopicProblem`.
   */
  match(topicName: string, visit: (value: V) => void): void {
    if (WILDCARD.test(topicName)) return
    const levels = topicName.split('/')
    // MQTT §4.7.2: a topic starting with `$` is not matched by a filter starting with a wildcard.
    this.walk(this.root, levels, 0, visit, topicName.charCodeAt(0) === 36 /* $ */)
  }

  private walk(node: TrieNode<V>, levels: string[], depth: number, visit: (value: V) => void, dollar: boolean): void {
    const children = node.children
    if (depth === levels.length) {
      node.values?.forEach(visit)
      // `a/#` also matches `a`.
      children?.get('#')?.values?.forEach(visit)
      return
    }
    if (!children) return
    const wildcardsAllowed = !(dollar && depth === 0)
    if (wildcardsAllowed) children.get('#')?.values?.forEach(visit)
    const exact = children.get(levels[depth]!)
    if (exact) this.walk(exact, levels, depth + 1, visit, dollar)
    if (wildcardsAllowed) {
      const plus = children.get('+')
      if (plus) this.walk(plus, levels, depth + 1, visit, dollar)
    }
  }
}

/** Matches one filter against one topic name with the same rules as {@link TopicTrie}, for one-off checks. */
export function topicMatches(filter: string, topicName: string): boolean {
  let matched = false
  const trie = new TopicTrie<true>()
  trie.add(filter, true)
  trie.match(topicName, () => {
    matched = true
  })
  return matched
}
