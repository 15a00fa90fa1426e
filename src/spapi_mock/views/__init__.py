"""Wire shapes of stored documents: what each API version (and the control plane) shows of them."""
