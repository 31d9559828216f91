"""Downloads: the filtered CSV and GeoJSON files and the data package, over HTTP."""
