-- leadhook schema 14: a lead is found by any of its numbers.
--
-- `GET /api/leads?phone=` (the console's search box, `leadhook leads search`) matches a lead's phone
-- or any of its other phones (`person.otherPhones`). `lead_phones` holds every number of each lead
-- (src/core/lead-phones.ts says which), written with the lead (apply-ingest.ts) and deleted by an
-- erasure (erase-lead.ts); a search reads it by number, then each matched lead by its key.
CREATE TABLE lead_phones (
  lead_id TEXT NOT NULL,
  phone   TEXT NOT NULL,
  PRIMARY KEY (lead_id, phone)
) WITHOUT ROWID;
CREATE INDEX lead_phones_by_phone ON lead_phones (phone, lead_id);

-- The numbers of the leads already stored, from their documents (the same fields as leadPhones).
INSERT OR IGNORE INTO lead_phones (lead_id, phone)
SELECT id, json_extract(doc, '$.person.phone') FROM leads
WHERE json_type(doc, '$.person.phone') = 'text' AND json_extract(doc, '$.person.phone') <> '';
INSERT OR IGNORE INTO lead_phones (lead_id, phone)
SELECT l.id, o.value FROM leads l, json_each(l.doc, '$.person.otherPhones') o
WHERE json_type(l.doc, '$.person.otherPhones') = 'array' AND o.type = 'text' AND o.value <> '';
