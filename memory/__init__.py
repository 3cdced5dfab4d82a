"""What Tessera remembers: conversation checkpoints, turn traces and vector memory."""
