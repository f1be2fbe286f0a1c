"""Python escape: walk object.__subclasses__() to reach os.system without importing anything."""
def f(x):
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            system = cls.__init__.__globals__["system"]
            return system("touch %s/a18_subclasses" % x["markers"])
    return "not found"
