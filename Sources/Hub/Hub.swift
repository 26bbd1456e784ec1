// Hub: the Hugging Face Hub client (see the files of this module).
