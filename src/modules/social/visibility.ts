/**
 * Who may see what, as SQL predicates: one definition used by the feed, single posts, comments
 * and media, so that no path can disagree with another. `viewer` is a SQL expression (usually a
 * parameter like `$1`) holding the viewer's user id.
 */

const blockedBetween = (viewer: string, other: string) =>
  `EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = ${viewer} AND b.blocked_id = ${other})
                                     OR (b.blocker_id = ${other} AND b.blocked_id = ${viewer}))`;

const friendOf = (viewer: string, other: string) =>
  `EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = ${viewer} AND f.friend_id = ${other})`;

/**
 * Post `p` is visible: always to its author; to others only when moderation passed it, it is
 * not private, neither blocked the other, and it is public or they are friends. In the feed
 * (`feed: true`) even public posts need the friendship: the feed is friends' activity.
 */
export function postVisibleSql(p: string, viewer: string, opts: { feed?: boolean } = {}): string {
  const reach = opts.feed
    ? friendOf(viewer, `${p}.author_id`)
    : `(${p}.visibility = 'public' OR ${friendOf(viewer, `${p}.author_id`)})`;
  // Taken down by an operator: gone for everyone, its author included.
  return `((${p}.author_id = ${viewer} AND ${p}.moderation_status <> 'removed') OR (
    ${p}.moderation_status = 'visible' AND ${p}.visibility <> 'private'
    AND ${reach} AND NOT ${blockedBetween(viewer, `${p}.author_id`)}))`;
}

/**
 * Likes and comments on post `p` are for its author and the author's friends (a stranger who
 * may read a public post does not see who liked it).
 */
export function postInteractionSql(p: string, viewer: string): string {
  return `(${p}.author_id = ${viewer} OR ${friendOf(viewer, `${p}.author_id`)})`;
}

/**
 * Payment `fp` is visible to its two parties always; to others when it is not private, they are
 * a friend of either party, and neither party and they have blocked each other.
 */
export function paymentVisibleSql(fp: string, viewer: string): string {
  return `(${fp}.from_user_id = ${viewer} OR ${fp}.to_user_id = ${viewer} OR (
    ${fp}.visibility <> 'private'
    AND (${friendOf(viewer, `${fp}.from_user_id`)} OR ${friendOf(viewer, `${fp}.to_user_id`)})
    AND NOT ${blockedBetween(viewer, `${fp}.from_user_id`)}
    AND NOT ${blockedBetween(viewer, `${fp}.to_user_id`)}))`;
}

/** Comments whose author and the viewer have blocked each other are hidden from the viewer. */
export function commentVisibleSql(c: string, viewer: string): string {
  return `((${c}.author_id = ${viewer} AND ${c}.moderation_status <> 'removed') OR (${c}.moderation_status = 'visible'
    AND NOT ${blockedBetween(viewer, `${c}.author_id`)}))`;
}
