// HTTPServer tests live beside this file.
