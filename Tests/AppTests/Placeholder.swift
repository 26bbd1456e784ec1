// App tests live beside this file.
