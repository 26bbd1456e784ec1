// Hub tests live beside this file.
