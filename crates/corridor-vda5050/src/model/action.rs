//! Actions: on nodes, on edges, and instant actions, with constructors for the instant
//! actions the standard predefines (§6.2.3, Table 4).

use serde_json::Value;

use crate::timestamp::Timestamp;
use crate::topic::ProtocolVersion;

/// An action for the vehicle: on a node, on an edge, or sent as an instant action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Unique id, reported back in the action states.
    pub action_id: String,
    /// What to do.
    pub action_type: ActionType,
    /// Whether driving and other actions may run meanwhile.
    pub blocking_type: BlockingType,
    /// Free text (2.x `actionDescription`, 3.0 `actionDescriptor`).
    pub description: Option<String>,
    /// Parameters as key/value pairs.
    pub parameters: Vec<ActionParameter>,
    /// 3.0: the action may enter RETRIABLE when it fails (`retriable`, default false).
    pub retriable: bool,
}

/// One parameter of an action. The value is any JSON value but `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionParameter {
    /// The key, e.g. `"loadId"`.
    pub key: String,
    /// The value: array, boolean, number, string or object.
    pub value: Value,
}

impl ActionParameter {
    /// A key/value pair.
    pub fn new(key: impl Into<String>, value: impl Into<Value>) -> ActionParameter {
        ActionParameter {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Whether an action lets the vehicle drive and run other actions meanwhile (§6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockingType {
    /// Driving and other actions allowed.
    None,
    /// 3.0 only: driving allowed, no other action.
    Single,
    /// Other actions allowed, no driving.
    Soft,
    /// Nothing else: no driving, no other action.
    Hard,
}

macro_rules! action_types {
    ($( $(#[$doc:meta])* $variant:ident => $v2:expr, $v3:expr; )*) => {
        /// The type of an action: the standard's predefined actions (§6.2.3 Table 4) and
        /// manufacturer-specific ones.
        ///
        /// The predefined names differ between versions (`initPosition` in 2.x,
        /// `initializePosition` in 3.0) and some exist only in 3.0; the encoders write the
        /// right name and refuse a 3.0-only action for a 2.x vehicle.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ActionType {
            $( $(#[$doc])* $variant, )*
            /// A manufacturer-specific action (listed in the vehicle's factsheet). Use the
            /// predefined variants for the standard's own actions.
            Custom(String),
        }

        impl ActionType {
            /// The name on the wire in `version`; `None` when `version` does not define it.
            pub fn wire_name(&self, version: ProtocolVersion) -> Option<&str> {
                match (self, version) {
                    $(
                        (ActionType::$variant, ProtocolVersion::V2) => $v2,
                        (ActionType::$variant, ProtocolVersion::V3) => $v3,
                    )*
                    (ActionType::Custom(name), _) => Some(name),
                }
            }

            /// Reads an `actionType` as written in `version`; unknown names are
            /// [`ActionType::Custom`].
            pub fn from_wire(version: ProtocolVersion, name: &str) -> ActionType {
                $(
                    if ActionType::$variant.wire_name(version) == Some(name) {
                        return ActionType::$variant;
                    }
                )*
                ActionType::Custom(name.to_owned())
            }
        }
    };
}

action_types! {
    /// `startPause`: stop driving, pause pausable actions.
    StartPause => Some("startPause"), Some("startPause");
    /// `stopPause`: resume after `startPause`.
    StopPause => Some("stopPause"), Some("stopPause");
    /// `startHibernation` (3.0): stay connected but stop publishing state.
    StartHibernation => None, Some("startHibernation");
    /// `stopHibernation` (3.0).
    StopHibernation => None, Some("stopHibernation");
    /// `shutdown` (3.0): coordinated shutdown, requires an idle vehicle.
    Shutdown => None, Some("shutdown");
    /// `startCharging`.
    StartCharging => Some("startCharging"), Some("startCharging");
    /// `stopCharging`.
    StopCharging => Some("stopCharging"), Some("stopCharging");
    /// `initPosition` (2.x) / `initializePosition` (3.0): override the vehicle's pose.
    InitializePosition => Some("initPosition"), Some("initializePosition");
    /// `enableMap`.
    EnableMap => Some("enableMap"), Some("enableMap");
    /// `downloadMap`.
    DownloadMap => Some("downloadMap"), Some("downloadMap");
    /// `deleteMap`.
    DeleteMap => Some("deleteMap"), Some("deleteMap");
    /// `downloadZoneSet` (3.0).
    DownloadZoneSet => None, Some("downloadZoneSet");
    /// `enableZoneSet` (3.0).
    EnableZoneSet => None, Some("enableZoneSet");
    /// `deleteZoneSet` (3.0).
    DeleteZoneSet => None, Some("deleteZoneSet");
    /// `clearInstantActions` (3.0): drop finished/failed instant action states.
    ClearInstantActions => None, Some("clearInstantActions");
    /// `clearZoneActions` (3.0).
    ClearZoneActions => None, Some("clearZoneActions");
    /// `stateRequest`: publish a state now.
    StateRequest => Some("stateRequest"), Some("stateRequest");
    /// `logReport`: store a log report.
    LogReport => Some("logReport"), Some("logReport");
    /// `pick` (node or edge action).
    Pick => Some("pick"), Some("pick");
    /// `drop` (node or edge action).
    Drop => Some("drop"), Some("drop");
    /// `detectObject` (node or edge action).
    DetectObject => Some("detectObject"), Some("detectObject");
    /// `finePositioning` (node or edge action).
    FinePositioning => Some("finePositioning"), Some("finePositioning");
    /// `waitForTrigger` (node action).
    WaitForTrigger => Some("waitForTrigger"), Some("waitForTrigger");
    /// `trigger` (3.0): release a `waitForTrigger`.
    Trigger => None, Some("trigger");
    /// `retry` (3.0): retry a RETRIABLE action.
    Retry => None, Some("retry");
    /// `skipRetry` (3.0): fail a RETRIABLE action.
    SkipRetry => None, Some("skipRetry");
    /// `cancelOrder`: stop and drop the current order.
    CancelOrder => Some("cancelOrder"), Some("cancelOrder");
    /// `factsheetRequest`: publish the factsheet.
    FactsheetRequest => Some("factsheetRequest"), Some("factsheetRequest");
    /// `updateCertificate` (3.0).
    UpdateCertificate => None, Some("updateCertificate");
}

impl Action {
    /// An action with no parameters.
    pub fn new(
        action_id: impl Into<String>,
        action_type: ActionType,
        blocking_type: BlockingType,
    ) -> Action {
        Action {
            action_id: action_id.into(),
            action_type,
            blocking_type,
            description: None,
            parameters: Vec::new(),
            retriable: false,
        }
    }

    /// Adds a parameter.
    pub fn with_parameter(mut self, key: impl Into<String>, value: impl Into<Value>) -> Action {
        self.parameters.push(ActionParameter::new(key, value));
        self
    }

    /// The value of parameter `key`, if present.
    pub fn parameter(&self, key: &str) -> Option<&Value> {
        self.parameters
            .iter()
            .find(|p| p.key == key)
            .map(|p| &p.value)
    }

    fn instant(action_id: impl Into<String>, action_type: ActionType) -> Action {
        Action::new(action_id, action_type, BlockingType::None)
    }

    /// `cancelOrder`: the vehicle stops as soon as possible and drops its order (§6.1.3).
    pub fn cancel_order(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::CancelOrder)
    }

    /// `cancelOrder` naming the order to cancel (parameter `orderId`, 3.0 only).
    pub fn cancel_order_of(action_id: impl Into<String>, order_id: impl Into<String>) -> Action {
        Action::cancel_order(action_id).with_parameter("orderId", order_id.into())
    }

    /// `startPause`.
    pub fn start_pause(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StartPause)
    }

    /// `stopPause`.
    pub fn stop_pause(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StopPause)
    }

    /// `factsheetRequest`.
    pub fn factsheet_request(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::FactsheetRequest)
    }

    /// `stateRequest`.
    pub fn state_request(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StateRequest)
    }

    /// `initPosition` / `initializePosition` with parameters x, y, theta, mapId, lastNodeId.
    pub fn initialize_position(
        action_id: impl Into<String>,
        x: f64,
        y: f64,
        theta: f64,
        map_id: impl Into<String>,
        last_node_id: impl Into<String>,
    ) -> Action {
        Action::instant(action_id, ActionType::InitializePosition)
            .with_parameter("x", x)
            .with_parameter("y", y)
            .with_parameter("theta", theta)
            .with_parameter("mapId", map_id.into())
            .with_parameter("lastNodeId", last_node_id.into())
    }

    /// `startCharging`.
    pub fn start_charging(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StartCharging)
    }

    /// `stopCharging`.
    pub fn stop_charging(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StopCharging)
    }

    /// `logReport` with parameter `reason`.
    pub fn log_report(action_id: impl Into<String>, reason: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::LogReport).with_parameter("reason", reason.into())
    }

    /// `enableMap` with parameters mapId, mapVersion.
    pub fn enable_map(
        action_id: impl Into<String>,
        map_id: impl Into<String>,
        map_version: impl Into<String>,
    ) -> Action {
        Action::instant(action_id, ActionType::EnableMap)
            .with_parameter("mapId", map_id.into())
            .with_parameter("mapVersion", map_version.into())
    }

    /// `downloadMap` with parameters mapId, mapVersion, mapDownloadLink and optional mapHash.
    pub fn download_map(
        action_id: impl Into<String>,
        map_id: impl Into<String>,
        map_version: impl Into<String>,
        map_download_link: impl Into<String>,
        map_hash: Option<String>,
    ) -> Action {
        let action = Action::instant(action_id, ActionType::DownloadMap)
            .with_parameter("mapId", map_id.into())
            .with_parameter("mapVersion", map_version.into())
            .with_parameter("mapDownloadLink", map_download_link.into());
        match map_hash {
            Some(hash) => action.with_parameter("mapHash", hash),
            None => action,
        }
    }

    /// `deleteMap` with parameters mapId, mapVersion.
    pub fn delete_map(
        action_id: impl Into<String>,
        map_id: impl Into<String>,
        map_version: impl Into<String>,
    ) -> Action {
        Action::instant(action_id, ActionType::DeleteMap)
            .with_parameter("mapId", map_id.into())
            .with_parameter("mapVersion", map_version.into())
    }

    /// `startHibernation` (3.0) with optional parameter wakeUpTime.
    pub fn start_hibernation(
        action_id: impl Into<String>,
        wake_up_time: Option<Timestamp>,
    ) -> Action {
        let action = Action::instant(action_id, ActionType::StartHibernation);
        match wake_up_time {
            Some(t) => action.with_parameter("wakeUpTime", t.to_string()),
            None => action,
        }
    }

    /// `stopHibernation` (3.0).
    pub fn stop_hibernation(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::StopHibernation)
    }

    /// `shutdown` (3.0).
    pub fn shutdown(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::Shutdown)
    }

    /// `downloadZoneSet` (3.0) with parameters zoneSetId, zoneSetDownloadLink and optional
    /// zoneSetHash.
    pub fn download_zone_set(
        action_id: impl Into<String>,
        zone_set_id: impl Into<String>,
        download_link: impl Into<String>,
        hash: Option<String>,
    ) -> Action {
        let action = Action::instant(action_id, ActionType::DownloadZoneSet)
            .with_parameter("zoneSetId", zone_set_id.into())
            .with_parameter("zoneSetDownloadLink", download_link.into());
        match hash {
            Some(hash) => action.with_parameter("zoneSetHash", hash),
            None => action,
        }
    }

    /// `enableZoneSet` (3.0) with parameter zoneSetId.
    pub fn enable_zone_set(action_id: impl Into<String>, zone_set_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::EnableZoneSet)
            .with_parameter("zoneSetId", zone_set_id.into())
    }

    /// `deleteZoneSet` (3.0) with parameter zoneSetId.
    pub fn delete_zone_set(action_id: impl Into<String>, zone_set_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::DeleteZoneSet)
            .with_parameter("zoneSetId", zone_set_id.into())
    }

    /// `clearInstantActions` (3.0).
    pub fn clear_instant_actions(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::ClearInstantActions)
    }

    /// `clearZoneActions` (3.0).
    pub fn clear_zone_actions(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::ClearZoneActions)
    }

    /// `trigger` (3.0): releases a `waitForTrigger` waiting on fleet control.
    pub fn trigger(action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::Trigger)
    }

    /// `retry` (3.0) of the RETRIABLE action `retried_action_id`.
    pub fn retry(action_id: impl Into<String>, retried_action_id: impl Into<String>) -> Action {
        Action::instant(action_id, ActionType::Retry)
            .with_parameter("actionId", retried_action_id.into())
    }

    /// `skipRetry` (3.0) of the RETRIABLE action `skipped_action_id`.
    pub fn skip_retry(
        action_id: impl Into<String>,
        skipped_action_id: impl Into<String>,
    ) -> Action {
        Action::instant(action_id, ActionType::SkipRetry)
            .with_parameter("actionId", skipped_action_id.into())
    }

    /// `updateCertificate` (3.0) with parameters service, keyDownloadLink,
    /// certificateDownloadLink and optional certificateAuthorityDownloadLink.
    pub fn update_certificate(
        action_id: impl Into<String>,
        service: impl Into<String>,
        key_download_link: impl Into<String>,
        certificate_download_link: impl Into<String>,
        certificate_authority_download_link: Option<String>,
    ) -> Action {
        let action = Action::instant(action_id, ActionType::UpdateCertificate)
            .with_parameter("service", service.into())
            .with_parameter("keyDownloadLink", key_download_link.into())
            .with_parameter("certificateDownloadLink", certificate_download_link.into());
        match certificate_authority_download_link {
            Some(link) => action.with_parameter("certificateAuthorityDownloadLink", link),
            None => action,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differ_by_version() {
        let t = ActionType::InitializePosition;
        assert_eq!(t.wire_name(ProtocolVersion::V2), Some("initPosition"));
        assert_eq!(t.wire_name(ProtocolVersion::V3), Some("initializePosition"));
        assert_eq!(
            ActionType::from_wire(ProtocolVersion::V2, "initPosition"),
            t
        );
        assert_eq!(
            ActionType::from_wire(ProtocolVersion::V3, "initializePosition"),
            t
        );
        assert_eq!(
            ActionType::from_wire(ProtocolVersion::V3, "initPosition"),
            ActionType::Custom("initPosition".into())
        );
        assert_eq!(ActionType::Shutdown.wire_name(ProtocolVersion::V2), None);
        assert_eq!(
            ActionType::from_wire(ProtocolVersion::V2, "shutdown"),
            ActionType::Custom("shutdown".into())
        );
    }

    #[test]
    fn instant_constructors_block_nothing() {
        let all = [
            Action::cancel_order("a"),
            Action::cancel_order_of("a", "o"),
            Action::start_pause("a"),
            Action::stop_pause("a"),
            Action::factsheet_request("a"),
            Action::state_request("a"),
            Action::initialize_position("a", 1.0, 2.0, 0.5, "m", "n"),
            Action::start_charging("a"),
            Action::stop_charging("a"),
            Action::log_report("a", "why"),
            Action::enable_map("a", "m", "1"),
            Action::download_map("a", "m", "1", "https://x", Some("h".into())),
            Action::delete_map("a", "m", "1"),
            Action::start_hibernation("a", Some(Timestamp::UNIX_EPOCH)),
            Action::stop_hibernation("a"),
            Action::shutdown("a"),
            Action::download_zone_set("a", "z", "https://x", None),
            Action::enable_zone_set("a", "z"),
            Action::delete_zone_set("a", "z"),
            Action::clear_instant_actions("a"),
            Action::clear_zone_actions("a"),
            Action::trigger("a"),
            Action::retry("a", "b"),
            Action::skip_retry("a", "b"),
            Action::update_certificate("a", "MQTT", "k", "c", None),
        ];
        for action in &all {
            assert_eq!(action.blocking_type, BlockingType::None, "{action:?}");
            assert!(!action.retriable);
        }
        assert_eq!(all[1].parameter("orderId"), Some(&Value::from("o")));
        assert_eq!(all[6].parameter("theta"), Some(&Value::from(0.5)));
        assert_eq!(
            all[13].parameter("wakeUpTime"),
            Some(&Value::from("1970-01-01T00:00:00.000Z"))
        );
    }
}
