"use strict";
/**
 * Creates or updates the one comment of a pull request (or issue) that carries a hidden marker, so that every push
 * updates the same comment instead of adding another: the behaviour of pulumi/actions' `comment-on-pr` with
 * `edit-pr-comment: true`, but keyed per stack and with a body built from `pulumi preview --json`.
 *
 * Called from actions/github-script:
 *   const upsert = require('./.github/scripts/upsert-comment.js');
 *   await upsert({ github, owner, repo, issueNumber, marker, body });
 */

/**
 * @param {{ github: any, owner: string, repo: string, issueNumber: number, marker: string, body: string }} o
 * @returns {Promise<{ action: "created" | "updated" | "unchanged", id: number }>}
 */
async function upsertComment({ github, owner, repo, issueNumber, marker, body }) {
  if (!marker || !body.includes(marker)) throw new Error(`the comment body must contain its marker ${marker}`);
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  // Only comments the workflow's own token wrote are candidates: a person quoting the marker is left alone.
  const mine = comments.filter((c) => typeof c.body === "string" && c.body.includes(marker) && c.user?.type === "Bot");
  const [first, ...duplicates] = mine;
  for (const d of duplicates) await github.rest.issues.deleteComment({ owner, repo, comment_id: d.id });
  if (!first) {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    return { action: "created", id: data.id };
  }
  if (first.body === body) return { action: "unchanged", id: first.id };
  await github.rest.issues.updateComment({ owner, repo, comment_id: first.id, body });
  return { action: "updated", id: first.id };
}

module.exports = upsertComment;
module.exports.upsertComment = upsertComment;
