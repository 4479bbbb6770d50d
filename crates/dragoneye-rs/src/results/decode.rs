//! Decoding of the results ZIP and its Parquet members into the response models.
//!
//! The Parquet members are read with parquet's low-level typed column readers (no Arrow): every
//! needed leaf column is read whole into a buffer of definition levels, repetition levels and
//! non-null values, then the rows are reassembled by walking those levels (Dremel record
//! assembly) following the known schema of `dragoneye.md` §3.1. The walk is linear in the
//! number of levels; the only per-value allocations are the `String`s of the models.
//!
//! The schema is resolved by name, tolerantly: 3-level and legacy 2-level `LIST` groups (Arrow's
//! `list` / `large_list` / `fixed_size_list` all write the same Parquet layout), required or
//! optional fields, `INT64` or `INT32` integers, `FLOAT` (widened exactly with `f64::from`) or
//! `DOUBLE` scores, and any `BYTE_ARRAY` holding UTF-8 for strings.

use std::io::{Cursor, Read};

use bytes::Bytes;
use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::{SchemaDescriptor, Type};

use super::{FRAME_TIMESTAMPS_MEMBER, PREDICTIONS_MEMBER, ResultsDecodeError};
use crate::models::{
    BboxObservation, ImageAttributePrediction, ImageCategoryPrediction, ImageDetectedObject,
    NormalizedBbox, ScoredTimestampRange, TimestampRange, VideoAttributePrediction,
    VideoBboxObservation, VideoCategoryPrediction, VideoDetectedObject,
};

/// The Parquet members of a results archive, read into memory.
#[derive(Debug)]
pub(crate) struct ArchiveMembers {
    pub(crate) predictions: Bytes,
    pub(crate) frame_timestamps: Option<Bytes>,
}

/// Opens the results ZIP and reads `predictions.parquet` (required) and, if `with_frames`,
/// `frame_timestamps.parquet` (optional).
pub(crate) fn read_archive(
    zip_bytes: &[u8],
    with_frames: bool,
) -> Result<ArchiveMembers, ResultsDecodeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).map_err(|e| {
        ResultsDecodeError::InvalidZip {
            source: Box::new(e),
        }
    })?;
    let predictions = read_member(&mut archive, PREDICTIONS_MEMBER)?.ok_or_else(|| {
        ResultsDecodeError::MissingMember {
            member: PREDICTIONS_MEMBER.to_owned(),
        }
    })?;
    let frame_timestamps = if with_frames {
        read_member(&mut archive, FRAME_TIMESTAMPS_MEMBER)?
    } else {
        None
    };
    Ok(ArchiveMembers {
        predictions,
        frame_timestamps,
    })
}

/// Every file member of a results archive, by name, in archive order (the official
/// `split_prediction_archive`).
pub(crate) fn split_archive(zip_bytes: &[u8]) -> Result<Vec<(String, Bytes)>, ResultsDecodeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).map_err(|e| {
        ResultsDecodeError::InvalidZip {
            source: Box::new(e),
        }
    })?;
    let mut names = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        match archive.name_for_index(index) {
            Some(Ok(name)) if !name.ends_with('/') => names.push(name.into_owned()),
            Some(Ok(_)) | None => {}
            Some(Err(e)) => {
                return Err(ResultsDecodeError::InvalidZip {
                    source: Box::new(e),
                });
            }
        }
    }
    let mut members = Vec::with_capacity(names.len());
    for name in names {
        if let Some(data) = read_member(&mut archive, &name)? {
            members.push((name, data));
        }
    }
    Ok(members)
}

/// Upper bound of the up-front buffer reservation for one member, whatever its header claims.
const MAX_RESERVE: u64 = 64 << 20;

fn read_member(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Bytes>, ResultsDecodeError> {
    let member_err = |e: Box<dyn std::error::Error + Send + Sync>| ResultsDecodeError::ZipMember {
        member: name.to_owned(),
        source: e,
    };
    let mut file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(member_err(Box::new(e))),
    };
    let reserve = usize::try_from(file.size().min(MAX_RESERVE)).unwrap_or(0);
    let mut buf = Vec::with_capacity(reserve);
    file.read_to_end(&mut buf)
        .map_err(|e| member_err(Box::new(e)))?;
    Ok(Some(Bytes::from(buf)))
}

// ---------------------------------------------------------------------------------------------
// Schema resolution

/// Definition and repetition level reached at a schema node (cumulative from the root).
#[derive(Debug, Clone, Copy)]
struct Levels {
    def: i16,
    rep: i16,
}

/// A resolved schema node.
#[derive(Debug, Clone)]
struct Node<'a> {
    ty: &'a Type,
    levels: Levels,
    /// Physical path from the root, e.g. `["categories", "list", "element", "name"]`.
    path: Vec<&'a str>,
}

impl Node<'_> {
    fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// The level numbers that describe one list field.
#[derive(Debug, Clone)]
struct ListShape {
    /// Leaf columns under the list (column ids in [`Columns`]); the first one drives the walk.
    leaves: Vec<usize>,
    /// A definition level below this means the list itself is null.
    present_def: i16,
    /// A definition level below this (and at least `present_def`) means the list is empty.
    elem_def: i16,
    /// Repetition level that starts another element of this list.
    rep: i16,
    /// A definition level below this (and at least `elem_def`) means the element is null.
    value_def: i16,
    /// Whether elements are groups (structs); null struct elements are rejected by the walk.
    elem_is_group: bool,
    /// Physical path of the element, for error messages.
    path: String,
}

/// What a leaf column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Str,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Self::Int => "an INT64 (or INT32) integer",
            Self::Float => "a FLOAT (or DOUBLE) number",
            Self::Str => "a BYTE_ARRAY string",
        }
    }

    fn accepts(self, physical: PhysicalType) -> bool {
        matches!(
            (self, physical),
            (Self::Int, PhysicalType::INT64 | PhysicalType::INT32)
                | (Self::Float, PhysicalType::FLOAT | PhysicalType::DOUBLE)
                | (Self::Str, PhysicalType::BYTE_ARRAY)
        )
    }
}

/// A leaf column the decoder will read.
#[derive(Debug)]
struct ColumnSpec {
    index: usize,
    kind: Kind,
    max_def: i16,
    max_rep: i16,
    path: String,
}

/// Resolves the needed columns of one Parquet member by name.
#[derive(Debug)]
struct Planner<'a> {
    member: &'static str,
    schema: &'a SchemaDescriptor,
    specs: Vec<ColumnSpec>,
}

/// A short description of a schema node's type, for error messages.
fn describe(ty: &Type) -> String {
    let annotation = match ty.get_basic_info().logical_type_ref() {
        Some(logical) => format!(" ({logical:?})"),
        None => String::new(),
    };
    if ty.is_group() {
        let fields = ty.get_fields().len();
        format!("a group{annotation} with {fields} field(s)")
    } else {
        format!("{}{annotation}", ty.get_physical_type())
    }
}

fn repetition(ty: &Type) -> Repetition {
    let info = ty.get_basic_info();
    if info.has_repetition() {
        info.repetition()
    } else {
        Repetition::REQUIRED
    }
}

fn step(levels: Levels, ty: &Type) -> Levels {
    match repetition(ty) {
        Repetition::REQUIRED => levels,
        Repetition::OPTIONAL => Levels {
            def: levels.def + 1,
            rep: levels.rep,
        },
        Repetition::REPEATED => Levels {
            def: levels.def + 1,
            rep: levels.rep + 1,
        },
    }
}

impl<'a> Planner<'a> {
    fn new(member: &'static str, schema: &'a SchemaDescriptor) -> Self {
        Self {
            member,
            schema,
            specs: Vec::new(),
        }
    }

    fn root(&self) -> Node<'a> {
        Node {
            ty: self.schema.root_schema(),
            levels: Levels { def: 0, rep: 0 },
            path: Vec::new(),
        }
    }

    fn wrong_type(&self, node: &Node<'_>, expected: &'static str) -> ResultsDecodeError {
        ResultsDecodeError::UnexpectedColumnType {
            member: self.member.to_owned(),
            column: node.dotted(),
            expected,
            found: describe(node.ty),
        }
    }

    fn child_of(&self, parent: &Node<'a>, ty: &'a Type) -> Node<'a> {
        let mut path = parent.path.clone();
        path.push(ty.name());
        Node {
            ty,
            levels: step(parent.levels, ty),
            path,
        }
    }

    /// The field `name` of the group `parent`.
    fn field(&self, parent: &Node<'a>, name: &str) -> Result<Node<'a>, ResultsDecodeError> {
        let found = if parent.ty.is_group() {
            parent.ty.get_fields().iter().find(|f| f.name() == name)
        } else {
            None
        };
        match found {
            Some(ty) => Ok(self.child_of(parent, ty)),
            None => {
                let mut path = parent.path.clone();
                path.push(name);
                Err(ResultsDecodeError::MissingColumn {
                    member: self.member.to_owned(),
                    column: path.join("."),
                })
            }
        }
    }

    /// The list field `name` of `parent`: its shape (leaves still empty) and its element node.
    fn list(
        &self,
        parent: &Node<'a>,
        name: &str,
    ) -> Result<(ListShape, Node<'a>), ResultsDecodeError> {
        let node = self.field(parent, name)?;
        let (repeated, present_def) = if repetition(node.ty) == Repetition::REPEATED {
            // A bare repeated field: never null, never annotated.
            (node.clone(), parent.levels.def)
        } else {
            let fields: &[_] = if node.ty.is_group() {
                node.ty.get_fields()
            } else {
                &[]
            };
            match fields {
                [only] if repetition(only) == Repetition::REPEATED => {
                    (self.child_of(&node, only), node.levels.def)
                }
                _ => return Err(self.wrong_type(&node, "a list")),
            }
        };
        // Parquet's backward-compatibility rules: the repeated group is the element itself
        // (2-level list) unless it is a group with exactly one field not named like a legacy
        // element wrapper (`array`, `<list>_tuple`).
        let three_level = repeated.ty.is_group()
            && repeated.ty.get_fields().len() == 1
            && repeated.ty.name() != "array"
            && repeated.ty.name() != format!("{name}_tuple");
        let element = if three_level {
            match repeated.ty.get_fields() {
                [only] => self.child_of(&repeated, only),
                _ => return Err(self.wrong_type(&node, "a list")),
            }
        } else {
            repeated.clone()
        };
        if !std::ptr::eq(element.ty, repeated.ty) && repetition(element.ty) == Repetition::REPEATED
        {
            return Err(self.wrong_type(&node, "a list with non-repeated elements"));
        }
        let shape = ListShape {
            leaves: Vec::new(),
            present_def,
            elem_def: repeated.levels.def,
            rep: repeated.levels.rep,
            value_def: element.levels.def,
            elem_is_group: element.ty.is_group(),
            path: element.dotted(),
        };
        Ok((shape, element))
    }

    /// The list field `name` of `parent` whose elements must be structs.
    fn struct_list(
        &self,
        parent: &Node<'a>,
        name: &str,
    ) -> Result<(ListShape, Node<'a>), ResultsDecodeError> {
        let (shape, element) = self.list(parent, name)?;
        if element.ty.is_group() {
            Ok((shape, element))
        } else {
            Err(self.wrong_type(&element, "a struct"))
        }
    }

    /// Registers the primitive field `name` of `parent` as a column to read; returns its id.
    fn leaf(
        &mut self,
        parent: &Node<'a>,
        name: &str,
        kind: Kind,
    ) -> Result<usize, ResultsDecodeError> {
        let node = self.field(parent, name)?;
        if repetition(node.ty) == Repetition::REPEATED {
            return Err(self.wrong_type(&node, kind.expected()));
        }
        self.leaf_node(&node, kind)
    }

    /// Registers a primitive node (a scalar field or a list's element) as a column to read.
    fn leaf_node(&mut self, node: &Node<'a>, kind: Kind) -> Result<usize, ResultsDecodeError> {
        if !node.ty.is_primitive() || !kind.accepts(node.ty.get_physical_type()) {
            return Err(self.wrong_type(node, kind.expected()));
        }
        let index = self
            .schema
            .columns()
            .iter()
            .position(|c| {
                let parts = c.path().parts();
                parts.len() == node.path.len() && parts.iter().zip(&node.path).all(|(a, b)| a == b)
            })
            .ok_or_else(|| ResultsDecodeError::MalformedColumn {
                member: self.member.to_owned(),
                column: node.dotted(),
                reason: "leaf not found among the file's columns".to_owned(),
            })?;
        let descr = self.schema.column(index);
        if descr.max_def_level() != node.levels.def || descr.max_rep_level() != node.levels.rep {
            return Err(ResultsDecodeError::MalformedColumn {
                member: self.member.to_owned(),
                column: node.dotted(),
                reason: "inconsistent definition/repetition levels".to_owned(),
            });
        }
        if let Some(id) = self.specs.iter().position(|s| s.index == index) {
            return Ok(id);
        }
        self.specs.push(ColumnSpec {
            index,
            kind,
            max_def: node.levels.def,
            max_rep: node.levels.rep,
            path: node.dotted(),
        });
        Ok(self.specs.len() - 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Column loading

#[derive(Debug)]
enum Values {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str(Vec<ByteArray>),
}

/// One leaf column read whole, with a cursor for the assembly walk.
#[derive(Debug)]
struct Column {
    path: String,
    /// Index of the column in the file's schema.
    index: usize,
    max_def: i16,
    max_rep: i16,
    def: Vec<i16>,
    rep: Vec<i16>,
    values: Values,
    /// Next level entry.
    pos: usize,
    /// Next non-null value.
    vpos: usize,
}

fn parquet_err(
    member: &'static str,
) -> impl Fn(parquet::errors::ParquetError) -> ResultsDecodeError {
    move |e| ResultsDecodeError::InvalidParquet {
        member: member.to_owned(),
        source: Box::new(e),
    }
}

/// Reads every record of a column chunk, appending levels and values.
fn read_chunk<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    def: &mut Vec<i16>,
    rep: &mut Vec<i16>,
    values: &mut Vec<T::T>,
) -> parquet::errors::Result<()> {
    loop {
        let (records, _, levels) = reader.read_records(8192, Some(def), Some(rep), values)?;
        if records == 0 && levels == 0 {
            return Ok(());
        }
    }
}

/// Upper bound of the up-front reservation of level and value buffers, per column.
const MAX_RESERVE_LEVELS: usize = 1 << 22;

/// A parsed Parquet member with the planned columns read into memory.
#[derive(Debug)]
struct Columns {
    member: &'static str,
    cols: Vec<Column>,
    num_rows: usize,
    /// Row being assembled, for error messages.
    row: usize,
}

/// Opens a Parquet member, resolves the needed columns with `plan` and reads them.
///
/// The parquet crate still has a few `assert!`s / `expect`s that fire on some corrupt files
/// (e.g. negative offsets in the footer, a dictionary-encoded page without a dictionary). So
/// that server data can never crash the caller, a panic raised while the parquet crate reads
/// is caught here and reported as [`ResultsDecodeError::InvalidParquet`]. (With `panic = "abort"` it
/// cannot be caught; the checks in [`load`] still reject the most common corruption first.)
fn read_columns<P>(
    member: &'static str,
    data: Bytes,
    plan: impl FnOnce(&mut Planner<'_>) -> Result<P, ResultsDecodeError>,
) -> Result<(Columns, P), ResultsDecodeError> {
    let file_len = data.len();
    let read = move || {
        let reader = SerializedFileReader::new(data).map_err(parquet_err(member))?;
        let schema = reader.metadata().file_metadata().schema_descr();
        let mut planner = Planner::new(member, schema);
        let planned = plan(&mut planner)?;
        let specs = std::mem::take(&mut planner.specs);
        let columns = load(member, &reader, specs, file_len)?;
        Ok((columns, planned))
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown error".to_owned());
            Err(ResultsDecodeError::InvalidParquet {
                member: member.to_owned(),
                source: format!("the Parquet reader failed on corrupt data: {message}").into(),
            })
        }
    }
}

fn load(
    member: &'static str,
    reader: &SerializedFileReader<Bytes>,
    specs: Vec<ColumnSpec>,
    file_len: usize,
) -> Result<Columns, ResultsDecodeError> {
    let perr = parquet_err(member);
    let metadata = reader.metadata();
    let mut num_rows = 0usize;
    for rg in metadata.row_groups() {
        let n =
            usize::try_from(rg.num_rows()).map_err(|_| ResultsDecodeError::MalformedColumn {
                member: member.to_owned(),
                column: String::new(),
                reason: format!("negative row count {}", rg.num_rows()),
            })?;
        num_rows = num_rows.saturating_add(n);
    }
    let mut cols: Vec<Column> = specs
        .into_iter()
        .map(|spec| Column {
            index: spec.index,
            max_def: spec.max_def,
            max_rep: spec.max_rep,
            def: Vec::new(),
            rep: Vec::new(),
            values: match spec.kind {
                Kind::Int => Values::Int(Vec::new()),
                Kind::Float => Values::Float(Vec::new()),
                Kind::Str => Values::Str(Vec::new()),
            },
            pos: 0,
            vpos: 0,
            path: spec.path,
        })
        .collect();
    // Size the buffers from the footer's value counts (capped: the footer is untrusted).
    for col in &mut cols {
        let levels: i64 = metadata
            .row_groups()
            .iter()
            .filter_map(|rg| rg.columns().get(col.index))
            .map(|chunk| chunk.num_values().max(0))
            .fold(0, i64::saturating_add);
        let reserve = usize::try_from(levels).unwrap_or(0).min(MAX_RESERVE_LEVELS);
        if col.max_def > 0 {
            col.def.reserve(reserve);
        }
        if col.max_rep > 0 {
            col.rep.reserve(reserve);
        }
        match &mut col.values {
            Values::Int(v) => v.reserve(reserve),
            Values::Float(v) => v.reserve(reserve),
            Values::Str(v) => v.reserve(reserve),
        }
    }
    let mut f32_buf: Vec<f32> = Vec::new();
    let mut i32_buf: Vec<i32> = Vec::new();
    // `ColumnChunkMetaData::byte_range` asserts on negative offsets; reject them cleanly.
    let file_len = i64::try_from(file_len).unwrap_or(i64::MAX);
    for rg in metadata.row_groups() {
        for col in &cols {
            let Some(chunk) = rg.columns().get(col.index) else {
                return Err(ResultsDecodeError::MalformedColumn {
                    member: member.to_owned(),
                    column: col.path.clone(),
                    reason: "row group lacks the column".to_owned(),
                });
            };
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let len = chunk.compressed_size();
            if start < 0 || len < 0 || start.saturating_add(len) > file_len {
                return Err(ResultsDecodeError::MalformedColumn {
                    member: member.to_owned(),
                    column: col.path.clone(),
                    reason: format!(
                        "column chunk at offset {start}, length {len} lies outside the {file_len}-byte file"
                    ),
                });
            }
        }
    }
    for rg in 0..reader.num_row_groups() {
        let row_group = reader.get_row_group(rg).map_err(&perr)?;
        for col in &mut cols {
            let column_reader = row_group.get_column_reader(col.index).map_err(&perr)?;
            let (def, rep) = (&mut col.def, &mut col.rep);
            match (column_reader, &mut col.values) {
                (ColumnReader::Int64ColumnReader(mut r), Values::Int(v)) => {
                    read_chunk(&mut r, def, rep, v).map_err(&perr)?;
                }
                (ColumnReader::Int32ColumnReader(mut r), Values::Int(v)) => {
                    i32_buf.clear();
                    read_chunk(&mut r, def, rep, &mut i32_buf).map_err(&perr)?;
                    v.extend(i32_buf.iter().map(|&x| i64::from(x)));
                }
                (ColumnReader::FloatColumnReader(mut r), Values::Float(v)) => {
                    f32_buf.clear();
                    read_chunk(&mut r, def, rep, &mut f32_buf).map_err(&perr)?;
                    v.extend(f32_buf.iter().map(|&x| f64::from(x)));
                }
                (ColumnReader::DoubleColumnReader(mut r), Values::Float(v)) => {
                    read_chunk(&mut r, def, rep, v).map_err(&perr)?;
                }
                (ColumnReader::ByteArrayColumnReader(mut r), Values::Str(v)) => {
                    read_chunk(&mut r, def, rep, v).map_err(&perr)?;
                }
                _ => {
                    return Err(ResultsDecodeError::MalformedColumn {
                        member: member.to_owned(),
                        column: col.path.clone(),
                        reason: "physical type changed between schema and row group".to_owned(),
                    });
                }
            }
        }
    }
    // Columns without definition (or repetition) levels: every entry is defined (a new row).
    for col in &mut cols {
        let values_len = match &col.values {
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Str(v) => v.len(),
        };
        if col.max_def == 0 {
            col.def = vec![0; values_len];
        }
        if col.max_rep == 0 {
            col.rep = vec![0; col.def.len()];
        }
        let defined = col.def.iter().filter(|&&d| d == col.max_def).count();
        if col.def.len() != col.rep.len() || defined != values_len {
            return Err(ResultsDecodeError::MalformedColumn {
                member: member.to_owned(),
                column: col.path.clone(),
                reason: format!(
                    "{} definition levels, {} repetition levels, {} values for {} defined entries",
                    col.def.len(),
                    col.rep.len(),
                    values_len,
                    defined
                ),
            });
        }
    }
    Ok(Columns {
        member,
        cols,
        num_rows,
        row: 0,
    })
}

// ---------------------------------------------------------------------------------------------
// Record assembly

/// Whether a list cell was null, or how many elements it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListLen {
    Null,
    Len(usize),
}

impl Columns {
    fn col(&self, c: usize) -> Result<&Column, ResultsDecodeError> {
        self.cols
            .get(c)
            .ok_or_else(|| self.malformed("", "unknown column"))
    }

    #[cold]
    fn malformed(&self, column: &str, reason: &str) -> ResultsDecodeError {
        ResultsDecodeError::MalformedColumn {
            member: self.member.to_owned(),
            column: column.to_owned(),
            reason: format!("{reason} (row {})", self.row),
        }
    }

    #[cold]
    fn null(&self, column: &str) -> ResultsDecodeError {
        ResultsDecodeError::NullValue {
            member: self.member.to_owned(),
            column: column.to_owned(),
            row: self.row,
        }
    }

    #[cold]
    fn invalid(&self, column: &str, reason: String) -> ResultsDecodeError {
        ResultsDecodeError::InvalidValue {
            member: self.member.to_owned(),
            column: column.to_owned(),
            row: self.row,
            reason,
        }
    }

    /// `(definition level, repetition level)` of the next entry of column `c`.
    fn peek(&self, c: usize) -> Result<(i16, i16), ResultsDecodeError> {
        let col = self.col(c)?;
        match (col.def.get(col.pos), col.rep.get(col.pos)) {
            (Some(&d), Some(&r)) => Ok((d, r)),
            _ => Err(self.malformed(&col.path, "column ends before the record does")),
        }
    }

    /// Repetition level of the next entry of column `c`, `None` at the end of the column.
    fn peek_rep(&self, c: usize) -> Option<i16> {
        self.cols
            .get(c)
            .and_then(|col| col.rep.get(col.pos).copied())
    }

    /// Consumes one entry of column `c`; returns the index of its value if it is not null.
    #[inline]
    fn take(&mut self, c: usize) -> Result<Option<usize>, ResultsDecodeError> {
        if let Some(col) = self.cols.get_mut(c)
            && let Some(&d) = col.def.get(col.pos)
        {
            col.pos += 1;
            if d == col.max_def {
                col.vpos += 1;
                return Ok(Some(col.vpos - 1));
            }
            return Ok(None);
        }
        Err(self.access_error(c))
    }

    /// The error for a failed access to column `c`: exhausted, or values missing or mistyped.
    #[cold]
    #[inline(never)]
    fn access_error(&self, c: usize) -> ResultsDecodeError {
        match self.cols.get(c) {
            None => self.malformed("", "unknown column"),
            Some(col) if col.pos >= col.def.len() => {
                self.malformed(&col.path, "column ends before the record does")
            }
            Some(col) => self.malformed(&col.path, "fewer values than levels, or wrong type"),
        }
    }

    /// Consumes the rest of the current element of a list with repetition level `rep` in every
    /// column of `leaves` (the first entry plus every deeper continuation).
    fn skip_element(&mut self, leaves: &[usize], rep: i16) -> Result<(), ResultsDecodeError> {
        for &c in leaves {
            self.take(c)?;
            while self.peek_rep(c).is_some_and(|r| r > rep) {
                self.take(c)?;
            }
        }
        Ok(())
    }

    fn path(&self, c: usize) -> &str {
        self.cols.get(c).map_or("", |col| col.path.as_str())
    }

    #[inline]
    fn int(&mut self, c: usize) -> Result<Option<i64>, ResultsDecodeError> {
        if let Some(col) = self.cols.get_mut(c)
            && let Some(&d) = col.def.get(col.pos)
        {
            if d != col.max_def {
                col.pos += 1;
                return Ok(None);
            }
            if let Values::Int(v) = &col.values
                && let Some(&x) = v.get(col.vpos)
            {
                col.pos += 1;
                col.vpos += 1;
                return Ok(Some(x));
            }
        }
        Err(self.access_error(c))
    }

    #[inline]
    fn float(&mut self, c: usize) -> Result<Option<f64>, ResultsDecodeError> {
        if let Some(col) = self.cols.get_mut(c)
            && let Some(&d) = col.def.get(col.pos)
        {
            if d != col.max_def {
                col.pos += 1;
                return Ok(None);
            }
            if let Values::Float(v) = &col.values
                && let Some(&x) = v.get(col.vpos)
            {
                col.pos += 1;
                col.vpos += 1;
                return Ok(Some(x));
            }
        }
        Err(self.access_error(c))
    }

    fn string(&mut self, c: usize) -> Result<Option<String>, ResultsDecodeError> {
        let Some(i) = self.take(c)? else {
            return Ok(None);
        };
        let bytes = match self.cols.get(c).map(|col| &col.values) {
            // `ByteArray::data` panics on an unset value; decoders always set it, but check.
            Some(Values::Str(v)) => match v.get(i) {
                Some(b) if *b != ByteArray::new() => b.data(),
                _ => return Err(self.access_error(c)),
            },
            _ => return Err(self.access_error(c)),
        };
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(s.to_owned())),
            Err(e) => Err(self.invalid(self.path(c), format!("not UTF-8: {e}"))),
        }
    }

    #[inline]
    fn req_int(&mut self, c: usize) -> Result<i64, ResultsDecodeError> {
        match self.int(c)? {
            Some(x) => Ok(x),
            None => Err(self.null(self.path(c))),
        }
    }

    #[inline]
    fn req_float(&mut self, c: usize) -> Result<f64, ResultsDecodeError> {
        match self.float(c)? {
            Some(x) => Ok(x),
            None => Err(self.null(self.path(c))),
        }
    }

    /// Number of elements of the list cell at the current position (0 if null or empty), by
    /// scanning the driver's repetition levels; used to size the output exactly.
    fn count(&self, list: &ListShape) -> usize {
        let Some(col) = list.leaves.first().and_then(|&c| self.cols.get(c)) else {
            return 0;
        };
        match col.def.get(col.pos) {
            Some(&d) if d >= list.elem_def => {}
            _ => return 0,
        }
        let rest = col.rep.get(col.pos + 1..).unwrap_or_default();
        1 + rest
            .iter()
            .take_while(|&&r| r >= list.rep)
            .filter(|&&r| r == list.rep)
            .count()
    }

    fn req_string(&mut self, c: usize) -> Result<String, ResultsDecodeError> {
        match self.string(c)? {
            Some(s) => Ok(s),
            None => Err(self.null(self.path(c))),
        }
    }

    /// Walks one list cell, calling `elem(self, index)` once per element; `elem` must consume
    /// exactly the element's entries in every leaf of `list`.
    #[inline]
    fn list(
        &mut self,
        list: &ListShape,
        mut elem: impl FnMut(&mut Self, usize) -> Result<(), ResultsDecodeError>,
    ) -> Result<ListLen, ResultsDecodeError> {
        let Some(&driver) = list.leaves.first() else {
            return Err(self.malformed(&list.path, "list without leaf columns"));
        };
        let (d, _) = self.peek(driver)?;
        if d < list.elem_def {
            for &c in &list.leaves {
                self.take(c)?;
            }
            return Ok(if d < list.present_def {
                ListLen::Null
            } else {
                ListLen::Len(0)
            });
        }
        let mut n = 0;
        loop {
            let (d, _) = self.peek(driver)?;
            if list.elem_is_group && d < list.value_def {
                return Err(self.null(&list.path));
            }
            let before = self.col(driver)?.pos;
            elem(self, n)?;
            n += 1;
            if self.col(driver)?.pos == before {
                return Err(self.malformed(&list.path, "list element consumed no entry"));
            }
            match self.peek_rep(driver) {
                Some(r) if r == list.rep => {}
                Some(r) if r > list.rep => {
                    return Err(self.malformed(&list.path, "inconsistent repetition levels"));
                }
                _ => break,
            }
        }
        Ok(ListLen::Len(n))
    }

    /// Checks that every column starts a new record at this point (repetition level 0).
    fn start_row(&mut self, row: usize) -> Result<(), ResultsDecodeError> {
        self.row = row;
        for col in &self.cols {
            match col.rep.get(col.pos) {
                Some(0) => {}
                Some(_) => return Err(self.malformed(&col.path, "record does not start here")),
                None => {
                    return Err(self.malformed(&col.path, "column has fewer rows than the file"));
                }
            }
        }
        Ok(())
    }

    /// Checks that every column was consumed entirely.
    fn finish(&self) -> Result<(), ResultsDecodeError> {
        for col in &self.cols {
            if col.pos != col.def.len() {
                return Err(ResultsDecodeError::MalformedColumn {
                    member: self.member.to_owned(),
                    column: col.path.clone(),
                    reason: format!(
                        "column has more entries than the file's {} rows",
                        self.num_rows
                    ),
                });
            }
        }
        Ok(())
    }

    /// Reads a normalized bbox list cell: `None` if the cell is null, exactly 4 non-null values
    /// otherwise.
    fn bbox(
        &mut self,
        list: &ListShape,
        value: usize,
    ) -> Result<Option<NormalizedBbox>, ResultsDecodeError> {
        let mut bbox = [0.0; 4];
        let len = self.list(list, |s, i| {
            let x = s.req_float(value)?;
            if let Some(slot) = bbox.get_mut(i) {
                *slot = x;
            }
            Ok(())
        })?;
        match len {
            ListLen::Null => Ok(None),
            ListLen::Len(4) => Ok(Some(bbox)),
            ListLen::Len(n) => Err(self.invalid(
                &list.path,
                format!("normalized_bbox has {n} values, expected 4"),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// predictions.parquet

/// Column ids and list shapes of `predictions.parquet`, shared by the image and video decoders.
#[derive(Debug)]
struct PredictionColumns {
    object_id: usize,
    /// Row-level ranges (video only).
    ranges: Option<(ListShape, usize, usize)>,
    bbox_list: ListShape,
    /// `timestamp_microseconds` of each observation (video only).
    bbox_ts: Option<usize>,
    bbox_values: ListShape,
    bbox_value: usize,
    bbox_score: usize,
    categories: ListShape,
    category_id: usize,
    category_name: usize,
    category_score: usize,
    attributes: ListShape,
    attribute_id: usize,
    attribute_name: usize,
    option_id: usize,
    option_name: usize,
    attr_ranges: ListShape,
    /// Start and end of attribute ranges (video only).
    attr_range_bounds: Option<(usize, usize)>,
    attr_range_score: usize,
}

fn plan_predictions(
    planner: &mut Planner<'_>,
    video: bool,
) -> Result<PredictionColumns, ResultsDecodeError> {
    let root = planner.root();
    let object_id = planner.leaf(&root, "object_id", Kind::Int)?;

    let ranges = if video {
        let (mut shape, elem) = planner.struct_list(&root, "timestamp_ranges")?;
        let start = planner.leaf(&elem, "timestamp_start_us_inclusive", Kind::Int)?;
        let end = planner.leaf(&elem, "timestamp_end_us_inclusive", Kind::Int)?;
        shape.leaves = vec![start, end];
        Some((shape, start, end))
    } else {
        None
    };

    let (mut bbox_list, obs) = planner.struct_list(&root, "bbox_observations")?;
    let bbox_ts = if video {
        Some(planner.leaf(&obs, "timestamp_microseconds", Kind::Int)?)
    } else {
        None
    };
    let (mut bbox_values, bbox_elem) = planner.list(&obs, "normalized_bbox")?;
    let bbox_value = planner.leaf_node(&bbox_elem, Kind::Float)?;
    bbox_values.leaves = vec![bbox_value];
    let bbox_score = planner.leaf(&obs, "bbox_score", Kind::Float)?;
    bbox_list.leaves = bbox_ts
        .into_iter()
        .chain([bbox_value, bbox_score])
        .collect();

    let (mut categories, cat) = planner.struct_list(&root, "categories")?;
    let category_id = planner.leaf(&cat, "category_id", Kind::Int)?;
    let category_name = planner.leaf(&cat, "name", Kind::Str)?;
    let category_score = planner.leaf(&cat, "score", Kind::Float)?;
    let (mut attributes, attr) = planner.struct_list(&cat, "attributes")?;
    let attribute_id = planner.leaf(&attr, "attribute_id", Kind::Int)?;
    let attribute_name = planner.leaf(&attr, "attribute_name", Kind::Str)?;
    let option_id = planner.leaf(&attr, "option_id", Kind::Int)?;
    let option_name = planner.leaf(&attr, "option_name", Kind::Str)?;
    let (mut attr_ranges, range) = planner.struct_list(&attr, "timestamp_ranges")?;
    let attr_range_bounds = if video {
        Some((
            planner.leaf(&range, "timestamp_start_us_inclusive", Kind::Int)?,
            planner.leaf(&range, "timestamp_end_us_inclusive", Kind::Int)?,
        ))
    } else {
        None
    };
    let attr_range_score = planner.leaf(&range, "score", Kind::Float)?;
    attr_ranges.leaves = attr_range_bounds
        .map(|(s, e)| [s, e])
        .into_iter()
        .flatten()
        .chain([attr_range_score])
        .collect();
    attributes.leaves = [attribute_id, attribute_name, option_id, option_name]
        .into_iter()
        .chain(attr_ranges.leaves.iter().copied())
        .collect();
    categories.leaves = [category_id, category_name, category_score]
        .into_iter()
        .chain(attributes.leaves.iter().copied())
        .collect();

    Ok(PredictionColumns {
        object_id,
        ranges,
        bbox_list,
        bbox_ts,
        bbox_values,
        bbox_value,
        bbox_score,
        categories,
        category_id,
        category_name,
        category_score,
        attributes,
        attribute_id,
        attribute_name,
        option_id,
        option_name,
        attr_ranges,
        attr_range_bounds,
        attr_range_score,
    })
}

fn prepare_predictions(
    data: Bytes,
    video: bool,
) -> Result<(Columns, PredictionColumns), ResultsDecodeError> {
    read_columns(PREDICTIONS_MEMBER, data, |planner| {
        plan_predictions(planner, video)
    })
}

/// Decodes the rows of an image task's `predictions.parquet`.
pub(crate) fn image_predictions(
    data: Bytes,
) -> Result<Vec<ImageDetectedObject>, ResultsDecodeError> {
    let (mut cols, p) = prepare_predictions(data, false)?;
    let mut objects = Vec::with_capacity(cols.num_rows.min(1 << 16));
    for row in 0..cols.num_rows {
        cols.start_row(row)?;
        let object_id = cols.req_int(p.object_id)?;

        // The SDK keeps the first observation only (IndexError on an empty list).
        let mut first: Option<BboxObservation> = None;
        cols.list(&p.bbox_list, |s, i| {
            if i > 0 {
                return s.skip_element(&p.bbox_list.leaves, p.bbox_list.rep);
            }
            let bbox = s.bbox(&p.bbox_values, p.bbox_value)?;
            let score = s.float(p.bbox_score)?;
            match (bbox, score) {
                (Some(normalized_bbox), Some(bbox_score)) => {
                    first = Some(BboxObservation {
                        normalized_bbox,
                        bbox_score,
                    });
                    Ok(())
                }
                (None, _) => Err(s.null(&p.bbox_values.path)),
                (Some(_), None) => Err(s.null(s.path(p.bbox_score))),
            }
        })?;
        let Some(bbox_observation) = first else {
            return Err(cols.invalid(
                &p.bbox_list.path,
                "an image object needs at least one bbox observation".to_owned(),
            ));
        };

        let mut categories = Vec::with_capacity(cols.count(&p.categories));
        cols.list(&p.categories, |s, _| {
            let category_id = s.req_int(p.category_id)?;
            let name = s.req_string(p.category_name)?;
            let score = s.req_float(p.category_score)?;
            let mut attributes = Vec::with_capacity(s.count(&p.attributes));
            s.list(&p.attributes, |s, _| {
                let attribute_id = s.req_int(p.attribute_id)?;
                let attribute_name = s.req_string(p.attribute_name)?;
                let option_id = s.req_int(p.option_id)?;
                let option_name = s.req_string(p.option_name)?;
                // The SDK takes `timestamp_ranges[0].score` (IndexError on an empty list).
                let mut first_score = None;
                s.list(&p.attr_ranges, |s, i| {
                    if i == 0 {
                        first_score = Some(s.req_float(p.attr_range_score)?);
                        Ok(())
                    } else {
                        s.skip_element(&p.attr_ranges.leaves, p.attr_ranges.rep)
                    }
                })?;
                let Some(score) = first_score else {
                    return Err(s.invalid(
                        &p.attr_ranges.path,
                        "an image attribute needs at least one scored range".to_owned(),
                    ));
                };
                attributes.push(ImageAttributePrediction {
                    attribute_id,
                    attribute_name,
                    option_id,
                    option_name,
                    score,
                });
                Ok(())
            })?;
            categories.push(ImageCategoryPrediction {
                category_id,
                name,
                score,
                attributes,
            });
            Ok(())
        })?;

        objects.push(ImageDetectedObject {
            object_id,
            bbox_observation,
            categories,
        });
    }
    cols.finish()?;
    Ok(objects)
}

/// Decodes the rows of a video task's `predictions.parquet`.
pub(crate) fn video_predictions(
    data: Bytes,
) -> Result<Vec<VideoDetectedObject>, ResultsDecodeError> {
    let (mut cols, p) = prepare_predictions(data, true)?;
    let (Some((ranges_shape, range_start, range_end)), Some(bbox_ts), Some((attr_start, attr_end))) =
        (&p.ranges, p.bbox_ts, p.attr_range_bounds)
    else {
        return Err(cols.malformed("", "video columns were not planned"));
    };
    let mut objects = Vec::with_capacity(cols.num_rows.min(1 << 16));
    for row in 0..cols.num_rows {
        cols.start_row(row)?;
        let object_id = cols.req_int(p.object_id)?;

        let mut timestamp_ranges = Vec::with_capacity(cols.count(ranges_shape));
        cols.list(ranges_shape, |s, _| {
            timestamp_ranges.push(TimestampRange {
                timestamp_start_us_inclusive: s.req_int(*range_start)?,
                timestamp_end_us_inclusive: s.req_int(*range_end)?,
            });
            Ok(())
        })?;

        let mut bbox_observations = Vec::with_capacity(cols.count(&p.bbox_list));
        cols.list(&p.bbox_list, |s, _| {
            let timestamp_microseconds = s.req_int(bbox_ts)?;
            let bbox = s.bbox(&p.bbox_values, p.bbox_value)?;
            let score = s.float(p.bbox_score)?;
            // A null bbox marks a gap frame; its score is ignored, like the SDK does.
            let observation = match (bbox, score) {
                (None, _) => None,
                (Some(normalized_bbox), Some(bbox_score)) => Some(BboxObservation {
                    normalized_bbox,
                    bbox_score,
                }),
                (Some(_), None) => return Err(s.null(s.path(p.bbox_score))),
            };
            bbox_observations.push(VideoBboxObservation {
                timestamp_microseconds,
                observation,
            });
            Ok(())
        })?;

        let mut categories = Vec::with_capacity(cols.count(&p.categories));
        cols.list(&p.categories, |s, _| {
            let category_id = s.req_int(p.category_id)?;
            let name = s.req_string(p.category_name)?;
            let score = s.req_float(p.category_score)?;
            let mut attributes = Vec::with_capacity(s.count(&p.attributes));
            s.list(&p.attributes, |s, _| {
                let attribute_id = s.req_int(p.attribute_id)?;
                let attribute_name = s.req_string(p.attribute_name)?;
                let option_id = s.req_int(p.option_id)?;
                let option_name = s.req_string(p.option_name)?;
                let mut timestamp_ranges = Vec::with_capacity(s.count(&p.attr_ranges));
                s.list(&p.attr_ranges, |s, _| {
                    timestamp_ranges.push(ScoredTimestampRange {
                        timestamp_start_us_inclusive: s.req_int(attr_start)?,
                        timestamp_end_us_inclusive: s.req_int(attr_end)?,
                        score: s.req_float(p.attr_range_score)?,
                    });
                    Ok(())
                })?;
                attributes.push(VideoAttributePrediction {
                    attribute_id,
                    attribute_name,
                    option_id,
                    option_name,
                    timestamp_ranges,
                });
                Ok(())
            })?;
            categories.push(VideoCategoryPrediction {
                category_id,
                name,
                score,
                attributes,
            });
            Ok(())
        })?;

        objects.push(VideoDetectedObject {
            object_id,
            timestamp_ranges,
            bbox_observations,
            categories,
        });
    }
    cols.finish()?;
    Ok(objects)
}

// ---------------------------------------------------------------------------------------------
// frame_timestamps.parquet

/// Decodes `frame_timestamps.parquet` into the sorted list of frame timestamps.
pub(crate) fn frame_timestamps(data: Bytes) -> Result<Vec<i64>, ResultsDecodeError> {
    let (mut cols, ts) = read_columns(FRAME_TIMESTAMPS_MEMBER, data, |planner| {
        let root = planner.root();
        planner.leaf(&root, "timestamp_microseconds", Kind::Int)
    })?;
    let mut out = Vec::with_capacity(cols.num_rows.min(1 << 20));
    for row in 0..cols.num_rows {
        cols.start_row(row)?;
        out.push(cols.req_int(ts)?);
    }
    cols.finish()?;
    out.sort_unstable();
    Ok(out)
}
