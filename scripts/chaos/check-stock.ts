import type { Facts } from "./fold.ts";
import type { ViolationLog } from "./violations.ts";

/** A row of inventory's products read model (GET /products). */
export interface ProductRow {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

/**
 * Stock is conserved per sku. From the INVENTORY stream's own fold: nothing is reserved once
 * the orders settled, and neither available nor reserved ever went below zero (no oversell).
 * From inventory's read model: available + reserved + sold = restocked, reserved = 0, and
 * each figure equals the stream's.
 */
export function checkStock(facts: Facts, products: ProductRow[], violations: ViolationLog): void {
  const rows = new Map(products.map((p) => [p.sku, p]));
  for (const [sku, s] of facts.skus) {
    const reserved = s.held - s.unheld - s.sold;
    const available = s.restocked - s.held + s.unheld;
    const stream = `restocked ${s.restocked}, held ${s.held}, unheld ${s.unheld}, sold ${s.sold}`;
    if (reserved !== 0)
      violations.add(
        "stock-reserved-zero",
        `sku ${sku}`,
        `the INVENTORY fold still reserves ${reserved} (${stream})`,
      );
    if (s.minAvailable < 0 || s.minReserved < 0)
      violations.add(
        "stock-never-negative",
        `sku ${sku}`,
        `available fell to ${s.minAvailable}, reserved to ${s.minReserved} (${stream})`,
      );
    if (!s.defined) continue;
    const row = rows.get(sku);
    if (!row) {
      violations.add(
        "read-model-products",
        `sku ${sku}`,
        `defined in INVENTORY but not in GET /products (${stream})`,
      );
      continue;
    }
    if (row.available + row.reserved + row.sold !== s.restocked || row.reserved !== 0)
      violations.add(
        "stock-conserved",
        `sku ${sku}`,
        `read model available ${row.available} + reserved ${row.reserved} + sold ${row.sold} against restocked ${s.restocked}`,
      );
    if (row.available !== available || row.reserved !== reserved || row.sold !== s.sold)
      violations.add(
        "read-model-products",
        `sku ${sku}`,
        `read model ${row.available}/${row.reserved}/${row.sold}, stream ${available}/${reserved}/${s.sold} (available/reserved/sold)`,
      );
  }
  for (const sku of rows.keys())
    if (!facts.skus.get(sku)?.defined)
      violations.add(
        "read-model-products",
        `sku ${sku}`,
        "in GET /products but never defined in INVENTORY",
      );
}
