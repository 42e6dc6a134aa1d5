error("a hidden file is not loaded")
