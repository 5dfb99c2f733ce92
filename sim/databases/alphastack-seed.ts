/**
 * The rows AlphaStack's seeded production database (`dpg-alphastackdb00000000-a`) holds in the embedded Render: a
 * small, deterministic trading schema, so what reads it (and what must never write it) meets real data.
 */
export const ALPHASTACK_SEED_SQL = `
CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT '2026-01-15T09:30:00Z'
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty integer NOT NULL,
  price_cents bigint NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO accounts (id, name)
  SELECT g, 'account-' || g FROM generate_series(1, 50) AS g;
INSERT INTO orders (id, account_id, symbol, side, qty, price_cents, created_at)
  SELECT g,
         1 + (g * 7) % 50,
         (ARRAY['ACME', 'GLOBX', 'INITECH', 'UMBRL', 'WAYNE'])[1 + g % 5],
         CASE WHEN g % 3 = 0 THEN 'sell' ELSE 'buy' END,
         1 + (g * 13) % 500,
         10000 + (g * 7919) % 90000,
         timestamptz '2026-01-15T09:30:00Z' + g * interval '1 minute'
  FROM generate_series(1, 2000) AS g;
`;

/** Row counts of the seed, for tests and docs. */
export const ALPHASTACK_SEED_ROWS = { accounts: 50, orders: 2000 } as const;
