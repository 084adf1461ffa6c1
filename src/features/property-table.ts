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

/** An ACTIVE listing of an area at some time, with the log of its price (for closeness to a budget). */
export interface ActiveListing {
  readonly version: PropertyVersion;
  readonly logPrice: number;
}

/** The ACTIVE listings of an area over a span of time in which none of its listings changes. */
interface AreaSnapshot {
  readonly generation: number;
  readonly from: number;
  readonly to: number;
  /** By log price, then id. */
  readonly byPrice: readonly ActiveListing[];
  /** By id. */
  readonly byId: readonly ActiveListing[];
}

export class PropertyTable {
  private readonly versions = new Map<string, PropertyVersion[]>();
  /** Every listing that was ever in an area; `asOf` decides whether it counts at a given time. */
  private readonly byArea = new Map<string, Set<string>>();
  /** Bumped by every apply: a snapshot taken before is stale. */
  private generation = 0;
  private readonly snapshots = new Map<string, AreaSnapshot>();

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
    this.generation++;
    const area = this.byArea.get(e.area);
    if (area) area.add(e.property_id);
    else this.byArea.set(e.area, new Set([e.property_id]));
    return version;
  }

  /** The version in force at time `t`, or undefined if the listing did not exist yet. */
  asOf(propertyId: string, t: number): PropertyVersion | undefined {
    const list = this.versions.get(propertyId);
    return list ? list[lastAtOrBefore(list, t)] : undefined;
  }

  /**
   * The listings of an area that are ACTIVE at `t`, as of `t`. Every scored event needs its
   * preferred area's listings (about a thousand in the 1,000,000-event benchmark), so the answer is
   * kept until `t` leaves the span in which no listing of the area changes, or the table changes.
   */
  activeInArea(area: string, t: number): { readonly byPrice: readonly ActiveListing[]; readonly byId: readonly ActiveListing[] } {
    const cached = this.snapshots.get(area);
    if (cached && cached.generation === this.generation && t >= cached.from && t < cached.to) return cached;
    let from = Number.NEGATIVE_INFINITY;
    let to = Number.POSITIVE_INFINITY;
    const active: ActiveListing[] = [];
    for (const id of this.inArea(area)) {
      const list = this.versions.get(id) as PropertyVersion[];
      const i = lastAtOrBefore(list, t);
      const next = list[i + 1];
      if (next !== undefined) to = Math.min(to, next.valid_from);
      const v = list[i];
      if (v === undefined) continue;
      from = Math.max(from, v.valid_from);
      if (v.listing_status === 'ACTIVE') active.push({ version: v, logPrice: Math.log(v.list_price) });
    }
    const byId = [...active].sort((a, b) => (a.version.property_id < b.version.property_id ? -1 : 1));
    const byPrice = [...byId].sort((a, b) => a.logPrice - b.logPrice);
    const snapshot = { generation: this.generation, from, to, byPrice, byId };
    this.snapshots.set(area, snapshot);
    return snapshot;
  }

  ids(): IterableIterator<string> {
    return this.versions.keys();
  }

  inArea(area: string): ReadonlySet<string> {
    return this.byArea.get(area) ?? new Set();
  }
}

/** Index of the last version valid at or before `t` (-1 if none); versions are in valid_from order. */
function lastAtOrBefore(list: readonly PropertyVersion[], t: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as PropertyVersion).valid_from <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
