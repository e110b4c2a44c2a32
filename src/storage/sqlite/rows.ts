// The rows of the ingest side map the same on every store (src/storage/rows), and so do the stored
// lead document and its search text (src/core); SQLite's modules import them from here.
export { toSource, type SourceRow } from '../rows/source-rows.js';
export { toListedRequest, toRequestWithBody, type RequestListRow, type RequestRow } from '../rows/request-rows.js';
export { toTimelineEntry, type TimelineRow } from '../rows/lead-rows.js';
export { leadFromDocument as toLead } from '../../core/stored-lead.js';
export { searchText, SEARCH_FIELD_LENGTH } from '../../core/search-text.js';
