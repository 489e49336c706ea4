/**
 * Incident reports: Markdown and a self-contained HTML page with an SVG timeline chart.
 * Pure rendering from an incident record (and, when read, its evidence manifest).
 */
export { OK_COLOUR, renderTimelineSvg, STATUS_COLOURS } from "./chart.ts";
export { escapeHtml, escapeMarkdown } from "./escape.ts";
export { renderHtml } from "./html.ts";
export type { ReportInput } from "./input.ts";
export { renderMarkdown } from "./markdown.ts";
export { buildTimeline, formatDuration, type IncidentTimeline } from "./timeline.ts";
