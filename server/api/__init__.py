"""The HTTP edges: each endpoint parses its request into checked values, calls the store
(through the writer or a reader), and renders the answer."""
