"""The needs loop (接诉即办): received -> dispatched -> resolved -> closed | reopened."""
