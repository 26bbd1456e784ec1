// Training tests live beside this file.
