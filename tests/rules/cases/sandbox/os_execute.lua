os.execute("touch /tmp/bunryu-pwned")
