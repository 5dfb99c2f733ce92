/**
 * The scripts the workflows' github-script steps call, against an in-memory stand-in for the three GitHub REST
 * endpoints they use (GitHub's API is not reachable from tests).
 */
const upsertComment = require("../../../.github/scripts/upsert-comment.js");
const upsertIssue = require("../../../.github/scripts/upsert-issue.js");

interface Item {
  id: number;
  number: number;
  body: string;
  title?: string;
  state?: string;
  user: { type: string };
  labels?: string[];
}

/** Comments and issues in memory, behind the octokit surface the scripts use (paginate + rest.issues.*). */
function fakeGitHub(initialComments: Item[] = [], initialIssues: Item[] = []) {
  const comments = [...initialComments];
  const issues = [...initialIssues];
  let nextId = 1000;
  const calls: string[] = [];
  const rest = {
    issues: {
      listComments: async () => ({ data: comments }),
      createComment: async ({ body }: { body: string }) => {
        calls.push("createComment");
        const c = { id: nextId++, number: 0, body, user: { type: "Bot" } };
        comments.push(c);
        return { data: c };
      },
      updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
        calls.push("updateComment");
        comments.find((c) => c.id === comment_id)!.body = body;
        return { data: {} };
      },
      deleteComment: async ({ comment_id }: { comment_id: number }) => {
        calls.push("deleteComment");
        comments.splice(
          comments.findIndex((c) => c.id === comment_id),
          1,
        );
        return { data: {} };
      },
      listForRepo: async () => ({ data: issues.filter((i) => i.state === "open") }),
      create: async ({ title, body, labels }: { title: string; body: string; labels: string[] }) => {
        calls.push("create");
        const i = { id: nextId, number: nextId++, title, body, labels, state: "open", user: { type: "Bot" } };
        issues.push(i);
        return { data: i };
      },
      update: async ({ issue_number, ...rest }: { issue_number: number; title?: string; body?: string; state?: string }) => {
        calls.push(`update:${rest.state ?? "body"}`);
        Object.assign(
          issues.find((i) => i.number === issue_number)!,
          rest,
        );
        return { data: {} };
      },
    },
  };
  const paginate = async (fn: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) => (await fn(params)).data;
  return { github: { rest, paginate }, comments, issues, calls };
}

const base = { owner: "o", repo: "r", issueNumber: 7 };
const marker = "<!-- stackguard:preview:staging -->";

describe("upsert-comment", () => {
  it("creates the stack's comment once, then updates it in place", async () => {
    const gh = fakeGitHub();
    expect((await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nfirst` })).action).toBe("created");
    expect((await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nsecond` })).action).toBe("updated");
    expect((await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nsecond` })).action).toBe("unchanged");
    expect(gh.comments.map((c) => c.body)).toEqual([`${marker}\nsecond`]);
  });

  it("keeps one comment per stack", async () => {
    const gh = fakeGitHub();
    const prod = "<!-- stackguard:preview:production -->";
    await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nstaging` });
    await upsertComment({ ...base, github: gh.github, marker: prod, body: `${prod}\nproduction` });
    await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nstaging 2` });
    expect(gh.comments.map((c) => c.body).sort()).toEqual([`${prod}\nproduction`, `${marker}\nstaging 2`]);
  });

  it("removes duplicates a race left behind and never touches a person's comment quoting the marker", async () => {
    const human = { id: 1, number: 0, body: `why does ${marker} show up?`, user: { type: "User" } };
    const dupA = { id: 2, number: 0, body: `${marker}\nold`, user: { type: "Bot" } };
    const dupB = { id: 3, number: 0, body: `${marker}\nolder`, user: { type: "Bot" } };
    const gh = fakeGitHub([human, dupA, dupB]);
    await upsertComment({ ...base, github: gh.github, marker, body: `${marker}\nnew` });
    expect(gh.comments.map((c) => c.id).sort()).toEqual([1, 2]);
    expect(gh.comments.find((c) => c.id === 2)!.body).toBe(`${marker}\nnew`);
    expect(gh.comments.find((c) => c.id === 1)!.body).toBe(human.body);
  });

  it("refuses a body without its marker (it could never be found again)", async () => {
    await expect(upsertComment({ ...base, github: fakeGitHub().github, marker, body: "no marker" })).rejects.toThrow(/must contain its marker/);
  });
});

describe("upsert-issue (drift)", () => {
  const m = "<!-- stackguard:drift:production -->";
  const args = { owner: "o", repo: "r", marker: m, title: "Drift detected in stack production", labels: ["drift"] };

  it("opens one issue on drift, updates it on the next drift, closes it when the drift is gone", async () => {
    const gh = fakeGitHub();
    expect((await upsertIssue({ ...args, github: gh.github, drifted: true, body: `${m}\none` })).action).toBe("opened");
    expect((await upsertIssue({ ...args, github: gh.github, drifted: true, body: `${m}\ntwo` })).action).toBe("updated");
    expect(gh.issues.filter((i) => i.state === "open")).toHaveLength(1);
    expect(gh.issues[0].body).toBe(`${m}\ntwo`);
    expect((await upsertIssue({ ...args, github: gh.github, drifted: false, body: "" })).action).toBe("closed");
    expect(gh.issues[0].state).toBe("closed");
    expect((await upsertIssue({ ...args, github: gh.github, drifted: false, body: "" })).action).toBe("none");
    expect(gh.calls).toEqual(["create", "update:body", "createComment", "update:closed"]);
  });

  it("keeps stacks apart", async () => {
    const gh = fakeGitHub();
    const s = "<!-- stackguard:drift:staging -->";
    await upsertIssue({ ...args, github: gh.github, drifted: true, body: `${m}\nprod` });
    await upsertIssue({ ...args, marker: s, github: gh.github, drifted: true, body: `${s}\nstaging` });
    expect(gh.issues).toHaveLength(2);
  });
});
