-- leadhook schema 7: test leads (a provider's test flag, e.g. Lexipol `production: false`).
--
-- leads.is_test mirrors the document's `isTest` for the list filter: lead lists and searches leave
-- test leads out unless asked (`GET /api/leads?isTest=true|all`). Leads stored before are real leads.
ALTER TABLE leads ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1));

-- `?isTest=true` reads the test leads in the list's order from their own small index; the default
-- list (`is_test = 0`, nearly every lead) walks the existing activity indexes and skips the few test leads.
CREATE INDEX leads_test_by_activity ON leads (last_event_at DESC, id DESC) WHERE is_test = 1;

-- A destination receives test leads' events only when it asks for them (`includeTest`).
ALTER TABLE destinations ADD COLUMN include_test INTEGER NOT NULL DEFAULT 0 CHECK (include_test IN (0, 1));
