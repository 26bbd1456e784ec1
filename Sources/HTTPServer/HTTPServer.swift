// HTTPServer: a generic HTTP/1.1 server on POSIX sockets (see the files of this module).
