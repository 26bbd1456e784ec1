print("sigtune")
