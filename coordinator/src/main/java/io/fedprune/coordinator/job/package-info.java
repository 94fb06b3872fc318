/** Job specs (REST body and log record), their validation and defaults. */
package io.fedprune.coordinator.job;
