"""The submission site (`etdz web --root DIR`): data staff upload their figures, see what is
wrong within seconds, fix and upload again; the department sees who has submitted what.

A small ASGI app (app.py, Starlette + Jinja2, pages in report_templates/site/) over: accounts
and rights (accounts.py), submissions kept by content hash with their findings in the DuckDB
warehouse (store.py), checking a submission in the warm process against the rest of the inbox
(checking.py), the inbox assembled from each city's latest clean submission (inbox.py), the
status board (board.py) and draft previews through the report cache (preview.py). Nothing
imports this package; it imports the other stages.
"""
