"""Bulk imports: lead CSVs (reader worker and inserter) and product price lists."""
