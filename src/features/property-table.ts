import type { GeoPoint, ListingStatus, PropertyEvent, PropertyType } from '../schemas/types';

/**
 * The property table, versioned: every PropertyEvent adds a version, and lookups are "as of" a
 * time, so that a lead event is joined with the listing as it was when the event happened, not
 * as it is now. That is what makes replays and live processing give the same features.
 */
export interface PropertyVersion {
  readonly property_id: string;
  readonly valid_from: number;
  readonly list_price: number;
  readonly property_type: PropertyType;
  readonly beds: number;
  readonly baths: number;
  readonly area: string;
  readonly location: GeoPoint;
  readonly listing_status: ListingStatus;
  /** When it was first listed, and at what price (for days on market and price cuts). */
  readonly listed_at: number;
  readonly original_price: number;
}

export class PropertyTable {
  private readonly versions = new Map<string, PropertyVersion[]>();
  /** Every listing that was ever in an area; `asOf` decides whether it counts at a given time. */
  private readonly byArea = new Map<string, Set<string>>();

  get size(): number {
    return this.versions.size;
  }

  /** Adds the version an event describes; events may arrive out of time order. */
  apply(e: PropertyEvent): PropertyVersion {
    const list = this.versions.get(e.property_id) ?? [];
    let i = list.length;
    while (i > 0 && (list[i - 1] as PropertyVersion).valid_from > e.occurred_at) i--;
    const first = list[0];
    const listedBefore = first !== undefined && first.valid_from <= e.occurred_at;
    const version: PropertyVersion = {
      property_id: e.property_id,
      valid_from: e.occurred_at,
      list_price: e.list_price,
      property_type: e.property_type,
      beds: e.beds,
      baths: e.baths,
      area: e.area,
      location: e.location,
      listing_status: e.listing_status,
      listed_at: listedBefore ? first.listed_at : e.occurred_at,
      original_price: listedBefore ? first.original_price : e.list_price,
    };
    list.splice(i, 0, version);
    this.versions.set(e.property_id, list);
    const area = this.byArea.get(e.area);
    if (area) area.add(e.property_id);
    else this.byArea.set(e.area, new Set([e.property_id]));
    return version;
  }

  /** The version in force at time `t`, or undefined if the listing did not exist yet. */
  asOf(propertyId: string, t: number): PropertyVersion | undefined {
    const list = this.versions.get(propertyId);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: PropertyVersion | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list[mid] as PropertyVersion;
      if (v.valid_from <= t) {
        found = v;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  ids(): IterableIterator<string> {
    return this.versions.keys();
  }

  inArea(area: string): ReadonlySet<string> {
    return this.byArea.get(area) ?? new Set();
  }
}
