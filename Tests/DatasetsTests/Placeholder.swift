// Dataset tests live beside this file.
