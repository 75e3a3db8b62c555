// Imported first by scripts/openapi.ts: zod 4 attaches `.openapi()` when a schema is built, so the
// extension must be installed before lib/compute-request.ts builds the request schemas.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);
