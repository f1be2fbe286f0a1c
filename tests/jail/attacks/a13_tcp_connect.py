"""Network: connect to the test's 127.0.0.1 listener with the socket module."""
def f(x):
    import socket
    s = socket.create_connection(("127.0.0.1", x["port"]), timeout=1)
    s.sendall(b"a13")
    return "connected"
