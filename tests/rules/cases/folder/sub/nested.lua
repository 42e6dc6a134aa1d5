error("a file in a subfolder is not loaded")
