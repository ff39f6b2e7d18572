"""Reporting: result tables into report contexts (tables, figures, conclusions, methods), PDFs
rendered from them (planning, cache, parallel rendering), results/ as CSV and Excel."""
