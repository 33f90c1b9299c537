"""The negotiation as a workbook and back: export, read, three-way merge, edit in place."""
