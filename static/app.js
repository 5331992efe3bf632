// The little JavaScript the app needs; htmx does the rest. Loaded with defer, under a strict CSP.
