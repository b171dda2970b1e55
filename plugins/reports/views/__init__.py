"""The reports plugin's pages: the list, a report, its exports and drill-down."""
