import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// The modules on the functions' cold-start path validate with `zod/mini`: the same checks and
// parsers as `zod` (one core), without the chainable methods that make every schema costly to
// build and keep the whole library in the bundle. Unlike `zod`, `zod/mini` registers no message
// locale (its issues would all read "Invalid input"): the modules that use it import this file for
// the English messages `zod` gives. `zod`, when loaded too, keeps a locale already set.
config(en());
