"""One module per page type (datasette's views/ layout)."""
