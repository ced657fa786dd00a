// Tool identity written into traces and reports.
export const TOOL_NAME = 'foliocheck';
export const TOOL_VERSION = '0.1.0';
