assert(string.find and ("abc"):find("b") == 2, "another file changed the string library")
