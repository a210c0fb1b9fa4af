//! Geo-reference: maps WGS84 positions (vehicle GNSS fixes) onto the site's local frame in
//! metres and back.
//!
//! The local frame is a tangent plane at the origin: a local east-north frame rotated so that
//! +x points along the compass bearing `bearing_deg` (degrees clockwise from true north) and
//! +y is 90° to the left of +x. Distances use the WGS84 ellipsoid's radii of curvature at the
//! origin, which keeps the error under a centimetre per kilometre over a site a few
//! kilometres across.

use nalgebra::Point2;

/// WGS84 semi-major axis in metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 first eccentricity squared.
const WGS84_E2: f64 = 6.694_379_990_14e-3;

/// Where the site's local frame sits on the Earth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoReference {
    /// WGS84 latitude of the local origin, degrees.
    pub origin_lat: f64,
    /// WGS84 longitude of the local origin, degrees.
    pub origin_lon: f64,
    /// Compass bearing of the +x axis, degrees clockwise from true north.
    pub bearing_deg: f64,
}

impl GeoReference {
    /// Metres per degree of latitude and of longitude at the origin.
    fn metres_per_degree(&self) -> (f64, f64) {
        let phi = self.origin_lat.to_radians();
        let s = phi.sin();
        let w = (1.0 - WGS84_E2 * s * s).sqrt();
        let meridional = WGS84_A * (1.0 - WGS84_E2) / (w * w * w);
        let prime_vertical = WGS84_A / w;
        (
            meridional.to_radians(),
            (prime_vertical * phi.cos()).to_radians(),
        )
    }

    /// The local position in metres of a WGS84 fix (degrees).
    pub fn map_from_wgs84(&self, lat: f64, lon: f64) -> Point2<f64> {
        let (m_lat, m_lon) = self.metres_per_degree();
        let north = (lat - self.origin_lat) * m_lat;
        let east = (lon - self.origin_lon) * m_lon;
        let (sin_b, cos_b) = self.bearing_deg.to_radians().sin_cos();
        Point2::new(east * sin_b + north * cos_b, -east * cos_b + north * sin_b)
    }

    /// The WGS84 latitude and longitude (degrees) of a local position in metres.
    pub fn wgs84_from_map(&self, p: Point2<f64>) -> (f64, f64) {
        let (m_lat, m_lon) = self.metres_per_degree();
        let (sin_b, cos_b) = self.bearing_deg.to_radians().sin_cos();
        let east = p.x * sin_b - p.y * cos_b;
        let north = p.x * cos_b + p.y * sin_b;
        (
            self.origin_lat + north / m_lat,
            self.origin_lon + east / m_lon,
        )
    }

    /// The heading in the local frame (radians, counter-clockwise from +x) of a compass
    /// bearing in degrees.
    pub fn map_heading_from_bearing(&self, bearing_deg: f64) -> f64 {
        (self.bearing_deg - bearing_deg).to_radians()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_axes() {
        let g = GeoReference {
            origin_lat: 21.97,
            origin_lon: 106.70,
            bearing_deg: 30.0,
        };
        let p = Point2::new(3620.0, -12.5);
        let (lat, lon) = g.wgs84_from_map(p);
        let q = g.map_from_wgs84(lat, lon);
        assert!((p - q).norm() < 1e-6, "{p} vs {q}");

        // Bearing 90: +x is east, +y is north.
        let east = GeoReference {
            bearing_deg: 90.0,
            ..g
        };
        let (lat, lon) = east.wgs84_from_map(Point2::new(1000.0, 0.0));
        assert!((lat - 21.97).abs() < 1e-9);
        assert!(lon > 106.70);
        // One degree of latitude is about 110.7 km at 22° N.
        let north = east.map_from_wgs84(22.97, 106.70);
        assert!((north.y - 110_730.0).abs() < 200.0, "{north}");
    }
}
