"use strict";
/**
 * Keeps one open issue per stack for drift: opens it on the first drift, updates its body on the next ones (so a
 * nightly check never piles up issues), and closes it with a comment when the stack is back in line.
 *
 * Called from actions/github-script:
 *   await require('./.github/scripts/upsert-issue.js')({ github, owner, repo, marker, title, body, drifted, labels });
 */

/**
 * @param {{ github: any, owner: string, repo: string, marker: string, title: string, body: string, drifted: boolean, labels?: string[] }} o
 * @returns {Promise<{ action: "opened" | "updated" | "closed" | "none", number?: number }>}
 */
async function upsertIssue({ github, owner, repo, marker, title, body, drifted, labels = [] }) {
  if (drifted && !body.includes(marker)) throw new Error(`the issue body must contain its marker ${marker}`);
  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner,
    repo,
    state: "open",
    per_page: 100,
    ...(labels.length ? { labels: labels.join(",") } : {}),
  });
  const existing = open.find((i) => !i.pull_request && typeof i.body === "string" && i.body.includes(marker));
  if (!drifted) {
    if (!existing) return { action: "none" };
    await github.rest.issues.createComment({
      owner,
      repo,
      issue_number: existing.number,
      body: "No drift any more: `pulumi preview --refresh --expect-no-changes` passed. Closing.",
    });
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed", state_reason: "completed" });
    return { action: "closed", number: existing.number };
  }
  if (existing) {
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, title, body });
    return { action: "updated", number: existing.number };
  }
  const { data } = await github.rest.issues.create({ owner, repo, title, body, labels });
  return { action: "opened", number: data.number };
}

module.exports = upsertIssue;
module.exports.upsertIssue = upsertIssue;
