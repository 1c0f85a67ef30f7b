"""Gap reports: one plain context rendered as an HTML page and as a PDF."""
