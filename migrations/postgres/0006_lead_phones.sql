-- leadhook PostgreSQL schema 6: a lead is found by any of its numbers, as SQLite's migration 0014.
--
-- `lead_phones` holds every number of each lead (src/core/lead-phones.ts says which), written with
-- the lead (ingest-writes.ts, with the batch's other rows) and deleted by an erasure (erasure.ts).
CREATE TABLE lead_phones (
  lead_id TEXT COLLATE "C" NOT NULL,
  phone   TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (lead_id, phone)
);
CREATE INDEX lead_phones_by_phone ON lead_phones (phone, lead_id);

-- The numbers of the leads already stored, from their documents (the same fields as leadPhones).
INSERT INTO lead_phones (lead_id, phone)
SELECT id, doc::jsonb #>> '{person,phone}' FROM leads
WHERE jsonb_typeof(doc::jsonb #> '{person,phone}') = 'string' AND doc::jsonb #>> '{person,phone}' <> ''
ON CONFLICT DO NOTHING;
INSERT INTO lead_phones (lead_id, phone)
SELECT l.id, o.value FROM leads l,
  jsonb_array_elements_text(CASE jsonb_typeof(l.doc::jsonb #> '{person,otherPhones}') WHEN 'array' THEN l.doc::jsonb #> '{person,otherPhones}' ELSE '[]' END) AS o (value)
WHERE o.value <> ''
ON CONFLICT DO NOTHING;
