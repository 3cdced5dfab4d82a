"""WebAssembly capabilities of the edge node: `manifest` (what a module is), `runtime` (the sandbox), `registry` (by name)."""
