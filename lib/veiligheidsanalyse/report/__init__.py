"""Running the chapters, exporting HTML, the index page and the manifest."""
