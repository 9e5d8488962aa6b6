import { baseConfigSchema, intFromEnv } from "@shop/shared/kit";

export const configSchema = baseConfigSchema.extend({ PORT: intFromEnv(3003) });
