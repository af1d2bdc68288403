raise ImportError("the vendor forgot a dependency")
